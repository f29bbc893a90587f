/**
 * P3 — SQLite (one file, WAL), the P2 workload at a smaller size: counter INCREMENT jobs through
 * `createReactor({ storage: { sqlite } })`. Skipped with a line saying why while the adapter is
 * not there. Median of RUNS runs after a warm-up; a fresh database file per run.
 *
 *   npx tsx bench/p3-sqlite-documents.ts [jobs=10000] [documents=1000] [runs=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDocuments } from './support/documents.js';
import { begin, fmt, report, skip } from './support/report.js';
import { median, round } from './support/stats.js';
import { findStorageFactory } from './support/storage-entry.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const DOCUMENTS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 3));
const config = { maxConcurrency: 100 };
const workload = `sqlite, ${fmt(JOBS)} counter INCREMENT jobs / ${fmt(DOCUMENTS)} documents, cap 100`;

begin();
const entry = await findStorageFactory('sqlite');
if (!entry.ok) {
  skip('P3', workload, entry.reason);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'seriatim-bench-'));
  try {
    const file = (i: number) => ({ sqlite: join(dir, `p3-${i}.db`) });
    await runDocuments(file(-1), {
      jobs: Math.min(JOBS, 2_000),
      documents: DOCUMENTS,
      prefix: 'w',
      config,
    });
    const rates: number[] = [];
    const cpu: number[] = [];
    let failed = 0;
    for (let i = 0; i < RUNS; i++) {
      const run = await runDocuments(file(i), {
        jobs: JOBS,
        documents: DOCUMENTS,
        prefix: `r${i}`,
        config,
      });
      rates.push(run.jobsPerSecond);
      cpu.push(run.cpuMicrosPerJob);
      failed += run.failed + (run.finalSum === JOBS ? 0 : 1);
    }
    report({
      id: 'P3',
      workload,
      result: `${fmt(median(rates))} jobs/s`,
      goal: '≥ 5,000 jobs/s',
      detail: {
        'CPU µs/job': round(median(cpu), 3),
        runs: RUNS,
        'failed jobs or wrong counts': failed,
      },
      data: { jobs: JOBS, documents: DOCUMENTS, rates, cpu, failed },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
