/**
 * P7 — memory, handler jobs (README: Handler jobs): 100k jobs of a no-op handler over 1,000 keys,
 * maxConcurrency 100, through `createReactor` (dispatcher, handler executor, output stored on
 * complete). Jobs/s, and the ratio to P1's no-op document jobs over the same number of lanes run
 * alternately in the same process (the goal: the same throughput). Median of RUNS runs after a
 * warm-up of each. The PostgreSQL half and the peer ratios (graphile-worker named queues, pg-boss
 * `key_strict_fifo`) wait for the peers of the runtime bench.
 *
 *   npx tsx bench/p7-memory-handlers.ts [jobs=100000] [keys=1000] [runs=5]
 */
import { createReactor } from '../src/index.js';
import type { JobInput } from '../src/types.js';
import { begin, fmt, report } from './support/report.js';
import { median, round } from './support/stats.js';
import { Countdown, cpuMicros, enqueueAll, noopInputs, runManager } from './support/workloads.js';

const JOBS = Number(process.argv[2] ?? 100_000);
const KEYS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 5));
const CAP = 100;

function handlerInputs(count: number, keys: number, prefix: string): JobInput[] {
  return Array.from(
    { length: count },
    (_, i) =>
      ({
        id: `${prefix}${i}`,
        handler: 'noop',
        input: { seq: i },
        keys: [`key-${i % keys}`],
      }) as unknown as JobInput,
  );
}

async function runHandlers(inputs: JobInput[]) {
  const reactor = await createReactor({ models: [], config: { maxConcurrency: CAP } });
  let violations = 0;
  const last = new Map<string, number>();
  reactor.registerHandler('noop', ({ seq }: { seq: number }, { job }) => {
    const key = job.keys?.[0] as string;
    if ((last.get(key) ?? -1) > seq) violations++;
    last.set(key, seq);
    return undefined;
  });
  const countdown = new Countdown(inputs.length);
  reactor.on('jobCompleted', countdown.tick);
  await reactor.start();
  const start = performance.now();
  const cpu = process.cpuUsage();
  await enqueueAll(reactor.queue, inputs);
  await countdown.done;
  const cpuMicrosPerJob = cpuMicros(cpu) / inputs.length;
  const seconds = (performance.now() - start) / 1000;
  await reactor.close();
  return { jobsPerSecond: inputs.length / seconds, cpuMicrosPerJob, violations };
}

begin();
await runHandlers(handlerInputs(Math.min(JOBS, 20_000), KEYS, 'w'));
await runManager(noopInputs(Math.min(JOBS, 20_000), KEYS, 'w'), { maxConcurrency: CAP });

const handlers: number[] = [];
const documents: number[] = [];
const ratios: number[] = [];
const cpu: number[] = [];
let violations = 0;
for (let i = 0; i < RUNS; i++) {
  const run = await runHandlers(handlerInputs(JOBS, KEYS, `r${i}-`));
  const p1 = await runManager(noopInputs(JOBS, KEYS, `d${i}-`), { maxConcurrency: CAP });
  violations += run.violations + p1.violations;
  handlers.push(run.jobsPerSecond);
  documents.push(p1.jobsPerSecond);
  ratios.push(run.jobsPerSecond / p1.jobsPerSecond);
  cpu.push(run.cpuMicrosPerJob);
}

report({
  id: 'P7',
  workload: `memory, ${fmt(JOBS)} no-op handler jobs / ${fmt(KEYS)} keys, cap ${CAP}`,
  result: `${fmt(median(handlers))} jobs/s`,
  goal: 'the throughput of P1 (ratio ≈ 1)',
  detail: {
    'P1 same run (no-op document jobs)': `${fmt(median(documents))} jobs/s`,
    ratio: round(median(ratios), 2),
    'CPU µs/job': round(median(cpu), 3),
    runs: RUNS,
    'order violations': violations,
  },
  data: { jobs: JOBS, keys: KEYS, cap: CAP, handlers, documents, ratios, cpu, violations },
});
