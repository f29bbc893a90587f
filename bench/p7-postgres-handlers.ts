/**
 * P7-PG — PostgreSQL at SERIATIM_PG_URL, handler jobs (README: Handler jobs): 10k jobs of a no-op
 * handler over 1,000 keys, maxConcurrency 100, through `createReactor({ storage: { postgres } })`
 * in one process, alternating with P4's counter document jobs (same size, same cap) in the same
 * process: jobs/s of each and the ratio (the goal: the throughput of P4). The handler checks that
 * each key's jobs arrive in enqueue order, exactly once. Keys and documents are unique per run, so
 * the database may be reused. Median of RUNS runs after a warm-up of each.
 *
 *   SERIATIM_PG_URL=postgres://… npx tsx bench/p7-postgres-handlers.ts [jobs=10000] [keys=1000] [runs=3]
 */
import { runDocuments } from './support/documents.js';
import { handlerInputs, runHandlers } from './support/handlers.js';
import { begin, fmt, report, skip } from './support/report.js';
import { median, round } from './support/stats.js';
import { findStorageFactory } from './support/storage-entry.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const KEYS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 3));
const config = { maxConcurrency: 100 };
const workload = `postgres, ${fmt(JOBS)} no-op handler jobs / ${fmt(KEYS)} keys, cap 100`;
const url = process.env.SERIATIM_PG_URL;

begin();
const entry = await findStorageFactory('postgres');
if (!entry.ok) skip('P7-PG', workload, entry.reason);
else if (!url) skip('P7-PG', workload, 'SERIATIM_PG_URL is not set');
else {
  const tag = `p7${Date.now().toString(36)}`;
  const storage = { postgres: url };
  const warm = Math.min(JOBS, 2_000);
  await runHandlers(storage, handlerInputs(warm, KEYS, `${tag}w-`), { config, batch: 5_000 });
  await runDocuments(storage, { jobs: warm, documents: KEYS, prefix: `${tag}dw`, config });

  const handlers: number[] = [];
  const documents: number[] = [];
  const ratios: number[] = [];
  const cpu: number[] = [];
  let violations = 0;
  let failed = 0;
  for (let i = 0; i < RUNS; i++) {
    const run = await runHandlers(storage, handlerInputs(JOBS, KEYS, `${tag}r${i}-`), {
      config,
      batch: 5_000,
    });
    const p4 = await runDocuments(storage, {
      jobs: JOBS,
      documents: KEYS,
      prefix: `${tag}d${i}`,
      config,
    });
    violations += run.violations + (run.executed === JOBS ? 0 : 1);
    failed += run.failed + p4.failed + (p4.finalSum === JOBS ? 0 : 1);
    handlers.push(run.jobsPerSecond);
    documents.push(p4.jobsPerSecond);
    ratios.push(run.jobsPerSecond / p4.jobsPerSecond);
    cpu.push(run.cpuMicrosPerJob);
  }
  report({
    id: 'P7-PG',
    workload,
    result: `${fmt(median(handlers))} jobs/s`,
    goal: 'the throughput of P4 (ratio ≈ 1)',
    detail: {
      'P4 same run (counter document jobs)': `${fmt(median(documents))} jobs/s`,
      ratio: round(median(ratios), 2),
      'CPU µs/job': round(median(cpu), 3),
      runs: RUNS,
      'order violations or jobs not run once': violations,
      'failed jobs or wrong counts': failed,
    },
    data: { jobs: JOBS, keys: KEYS, handlers, documents, ratios, cpu, violations, failed },
  });
}
