/**
 * P4 — PostgreSQL at SERIATIM_PG_URL, the P2 workload at a smaller size: counter INCREMENT jobs
 * through `createReactor({ storage: { postgres } })`. Skipped with a line saying why while the
 * adapter is not there or no URL is set. Document ids are unique per process, so the database
 * may be reused. Median of RUNS runs after a warm-up.
 *
 *   SERIATIM_PG_URL=postgres://… npx tsx bench/p4-postgres-documents.ts [jobs=10000] [documents=1000] [runs=3]
 */
import { runDocuments } from './support/documents.js';
import { begin, fmt, report, skip } from './support/report.js';
import { median, round } from './support/stats.js';
import { findStorageFactory } from './support/storage-entry.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const DOCUMENTS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 3));
const config = { maxConcurrency: 100 };
const workload = `postgres, ${fmt(JOBS)} counter INCREMENT jobs / ${fmt(DOCUMENTS)} documents, cap 100`;
const url = process.env.SERIATIM_PG_URL;

begin();
const entry = await findStorageFactory('postgres');
if (!entry.ok) skip('P4', workload, entry.reason);
else if (!url) skip('P4', workload, 'SERIATIM_PG_URL is not set');
else {
  const storage = { postgres: url };
  const tag = `p4${Date.now().toString(36)}`;
  await runDocuments(storage, {
    jobs: Math.min(JOBS, 2_000),
    documents: DOCUMENTS,
    prefix: `${tag}w`,
    config,
  });
  const rates: number[] = [];
  const cpu: number[] = [];
  let failed = 0;
  for (let i = 0; i < RUNS; i++) {
    const run = await runDocuments(storage, {
      jobs: JOBS,
      documents: DOCUMENTS,
      prefix: `${tag}r${i}`,
      config,
    });
    rates.push(run.jobsPerSecond);
    cpu.push(run.cpuMicrosPerJob);
    failed += run.failed + (run.finalSum === JOBS ? 0 : 1);
  }
  report({
    id: 'P4',
    workload,
    result: `${fmt(median(rates))} jobs/s`,
    goal: '',
    detail: {
      'CPU µs/job': round(median(cpu), 3),
      runs: RUNS,
      'failed jobs or wrong counts': failed,
    },
    data: { jobs: JOBS, documents: DOCUMENTS, rates, cpu, failed },
  });
}
