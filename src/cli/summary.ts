/**
 * The main command's final table: outcomes and error codes (this run, all runs, expected),
 * retries, throughput and latency.
 * @module
 */
import { percentile, type RunTally } from './run-tally.js';
import type { Verdict } from './verify.js';
import type { Expectation } from './workload.js';

/** What the summary is made of. */
export type SummaryInput = {
  tally: RunTally;
  /** From the queue, after the run (all runs of this workload). */
  verdict: Verdict;
  expected: Record<Expectation, number>;
  total: number;
  elapsedMs: number;
  injectedFaults: number;
  storage: string;
  interrupted: boolean;
  /** Jobs the CLI keeps waiting at most: the latencies include up to this much queueing. */
  backlog: number;
};

/**
 * Formats the summary table.
 * @example
 * stdout.write(`${formatSummary(input)}\n`);
 */
export function formatSummary(input: SummaryInput): string {
  const { tally, verdict, expected } = input;
  const rows: [string, string, string, string][] = [
    ['outcome', 'this run', 'all runs', 'expected'],
  ];
  const seen = new Set<string>();
  const row = (name: string, thisRun: number | string, exp: number | string = '') => {
    seen.add(name);
    rows.push([name, String(thisRun), String(verdict.outcomes.get(name) ?? 0), String(exp)]);
  };
  row('COMPLETED', tally.completed, expected.COMPLETED);
  for (const code of ['HASH_MISMATCH', 'LIBRARY_ERROR', 'DOCUMENT_NOT_FOUND'] as const) {
    row(code, tally.failedByCode.get(code) ?? 0, expected[code]);
  }
  for (const [code, count] of tally.failedByCode) if (!seen.has(code)) row(code, count, 0);
  for (const name of verdict.outcomes.keys()) {
    if (!seen.has(name)) row(name, name === 'PENDING' || name === 'NOT_ENQUEUED' ? '' : 0, '');
  }
  rows.push([
    'total',
    String(tally.completed + tally.failed),
    String(input.total),
    String(input.total),
  ]);

  const seconds = input.elapsedMs / 1000;
  const finished = tally.completed + tally.failed;
  const retryCodes = [...tally.retriesByCode].map(([code, n]) => `${code} ${n}`).join(', ');
  const ms = (samples: readonly number[]) =>
    [50, 99, 100]
      .map((p) => `${p === 100 ? 'max' : `p${p}`} ${percentile(samples, p).toFixed(0)} ms`)
      .join('   ');
  const lines = [
    '',
    `seriatim — summary${input.interrupted ? ' (interrupted: the rest stays queued; run again to resume)' : ''}`,
    `  storage ${input.storage}`,
    '',
    ...table(rows).map((line) => `  ${line}`),
    '',
    `  retries        ${tally.retries}${retryCodes ? ` (${retryCodes})` : ''}; injected store faults ${input.injectedFaults}`,
    `  fatal errors   ${tally.fatalErrors} (hash mismatches with no sync source)`,
    ...(tally.finishedBefore > 0
      ? [`  resumed        ${tally.finishedBefore} jobs had finished in earlier runs`]
      : []),
    `  elapsed        ${seconds.toFixed(2)} s`,
    `  throughput     ${seconds > 0 ? (finished / seconds).toFixed(0) : '0'} jobs/s`,
    `  latency        ${ms(tally.latencies)}   (enqueue → completion)`,
    `  start latency  ${ms(tally.startLatencies)}   (enqueue → first attempt)`,
    `                 both include queueing: this CLI keeps up to ${input.backlog} jobs waiting`,
  ];
  return lines.join('\n');
}

/** Left-aligned first column, right-aligned numbers, a rule under the header and above totals. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('   ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('───');
  const out = rows.map(fmt);
  out.splice(1, 0, rule);
  out.splice(out.length - 1, 0, rule);
  return out;
}
