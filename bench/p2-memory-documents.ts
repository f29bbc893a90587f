/**
 * P2 — memory, real document jobs through `createReactor`: counter model, one INCREMENT per job
 * (reducer + state hash + atomic store write), 50k jobs over 1,000 documents, maxConcurrency 100.
 * Median of RUNS runs after a warm-up.
 *
 *   npx tsx bench/p2-memory-documents.ts [jobs=50000] [documents=1000] [runs=3]
 */
import { runDocuments } from './support/documents.js';
import { begin, fmt, report } from './support/report.js';
import { median, round } from './support/stats.js';

const JOBS = Number(process.argv[2] ?? 50_000);
const DOCUMENTS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 3));
const config = { maxConcurrency: 100 };

begin();
await runDocuments('memory', {
  jobs: Math.min(JOBS, 10_000),
  documents: DOCUMENTS,
  prefix: 'w',
  config,
});
const rates: number[] = [];
const cpu: number[] = [];
let failed = 0;
let wrongSums = 0;
for (let i = 0; i < RUNS; i++) {
  const run = await runDocuments('memory', {
    jobs: JOBS,
    documents: DOCUMENTS,
    prefix: `r${i}`,
    config,
  });
  rates.push(run.jobsPerSecond);
  cpu.push(run.cpuMicrosPerJob);
  failed += run.failed;
  if (run.finalSum !== JOBS) wrongSums++;
}

report({
  id: 'P2',
  workload: `memory, ${fmt(JOBS)} counter INCREMENT jobs / ${fmt(DOCUMENTS)} documents, cap 100`,
  result: `${fmt(median(rates))} jobs/s`,
  goal: '≥ 25,000 jobs/s',
  detail: {
    'CPU µs/job': round(median(cpu), 3),
    runs: RUNS,
    'failed jobs': failed,
    'runs with a wrong final count': wrongSums,
  },
  data: { jobs: JOBS, documents: DOCUMENTS, rates, cpu, failed, wrongSums },
});
