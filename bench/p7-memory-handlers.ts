/**
 * P7 — memory, handler jobs (README: Handler jobs): 100k jobs of a no-op handler over 1,000 keys,
 * maxConcurrency 100, through `createReactor` (dispatcher, handler executor, output stored on
 * complete). Jobs/s, and the ratio to P1's no-op document jobs over the same number of lanes run
 * alternately in the same process (the goal: the same throughput). Median of RUNS runs after a
 * warm-up of each. The PostgreSQL half is P7-PG (`p7-postgres-handlers.ts`); the peer ratios are
 * in `bench/peers/` (`npm run bench:peers`).
 *
 *   npx tsx bench/p7-memory-handlers.ts [jobs=100000] [keys=1000] [runs=5]
 */
import { handlerInputs, runHandlers } from './support/handlers.js';
import { begin, fmt, report } from './support/report.js';
import { median, round } from './support/stats.js';
import { noopInputs, runManager } from './support/workloads.js';

const JOBS = Number(process.argv[2] ?? 100_000);
const KEYS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 5));
const CAP = 100;
const config = { maxConcurrency: CAP };

begin();
await runHandlers(undefined, handlerInputs(Math.min(JOBS, 20_000), KEYS, 'w'), { config });
await runManager(noopInputs(Math.min(JOBS, 20_000), KEYS, 'w'), { maxConcurrency: CAP });

const handlers: number[] = [];
const documents: number[] = [];
const ratios: number[] = [];
const cpu: number[] = [];
let violations = 0;
for (let i = 0; i < RUNS; i++) {
  const run = await runHandlers(undefined, handlerInputs(JOBS, KEYS, `r${i}-`), { config });
  const p1 = await runManager(noopInputs(JOBS, KEYS, `d${i}-`), { maxConcurrency: CAP });
  violations += run.violations + p1.violations + (run.executed === JOBS ? 0 : 1);
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
