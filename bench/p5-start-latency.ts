/**
 * P5 — latency from `submit` to `jobStarted`, p50 and p99, on memory (and on Postgres when
 * `createPostgresStorage` exists and SERIATIM_PG_URL is set). One job at a time on an idle
 * runtime: the next job is submitted after the previous one completed. Median over RUNS runs of
 * each run's percentiles.
 *
 *   npx tsx bench/p5-start-latency.ts [samples=2000] [runs=3]
 *   SERIATIM_PG_URL=postgres://… npx tsx bench/p5-start-latency.ts
 */
import type { StorageOption } from '../src/create-reactor.js';
import { measureStartLatency } from './support/latency.js';
import { begin, report, skip } from './support/report.js';
import { median, percentile, round } from './support/stats.js';
import { findStorageFactory } from './support/storage-entry.js';

const SAMPLES = Number(process.argv[2] ?? 2_000);
const RUNS = Math.max(3, Number(process.argv[3] ?? 3));
// Unique document ids per process, so a Postgres database can be reused.
const TAG = `p5${Date.now().toString(36)}`;

async function measure(id: string, name: string, storage: () => StorageOption, goal: string) {
  const p50s: number[] = [];
  const p99s: number[] = [];
  await measureStartLatency(storage(), {
    samples: 200,
    warmup: 200,
    documents: 10,
    prefix: `${TAG}w`,
  });
  for (let i = 0; i < RUNS; i++) {
    const latencies = await measureStartLatency(storage(), {
      samples: SAMPLES,
      warmup: 100,
      documents: 10,
      prefix: `${TAG}r${i}`,
    });
    p50s.push(percentile(latencies, 50));
    p99s.push(percentile(latencies, 99));
  }
  report({
    id,
    workload: `${name}, submit → jobStarted, one job at a time, ${SAMPLES} samples`,
    result: `p50 ${round(median(p50s), 2)} ms, p99 ${round(median(p99s), 2)} ms`,
    goal,
    detail: { runs: RUNS },
    data: { samples: SAMPLES, p50s, p99s },
  });
}

begin();
await measure('P5', 'memory', () => 'memory', 'p50 ≤ 0.1 ms');

const url = process.env.SERIATIM_PG_URL;
const pgWorkload = 'postgres, submit → jobStarted';
const pg = await findStorageFactory('postgres');
if (!pg.ok) skip('P5-pg', pgWorkload, pg.reason);
else if (!url) skip('P5-pg', pgWorkload, 'SERIATIM_PG_URL is not set');
else await measure('P5-pg', 'postgres', () => ({ postgres: url }), '');
