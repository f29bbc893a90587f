/**
 * Claim latency and queue throughput of the SQLite queue.
 *
 *   npx tsx bench/sqlite-claim.ts [jobs=10000] [lanes=1000]
 *
 * For two shapes of backlog — lanes interleaved in the enqueue order, and the worst case for a
 * scan in enqueue order (one busy lane's jobs first, then one job per other lane) — it measures:
 * the latency of `claim(limit)` (each claim released again outside the timing, so the backlog
 * stays the same), and the throughput of draining the queue with claim + complete. The database
 * is a temporary file in WAL mode with `synchronous = NORMAL` (the defaults).
 * @module
 */
import { rmSync } from 'node:fs';
import { MemoryEventBus } from '../src/adapters/memory/index.js';
import { createSqliteStorage } from '../src/adapters/sqlite/index.js';
import { systemClock } from '../src/clock.js';
import type { JobInput } from '../src/types.js';
import { removeDb, tempDbPath } from '../test/support/sqlite-files.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const LANES = Number(process.argv[3] ?? 1_000);
const SAMPLES = 200;

type Shape = 'interleaved' | 'busy lane first';

function input(documentId: string): JobInput {
  return {
    documentId,
    scopes: ['global'],
    actions: [
      {
        id: `a-${Math.random().toString(36).slice(2)}`,
        type: 'INCREMENT',
        scope: 'global',
        input: { by: 1 },
        timestampUtcMs: new Date().toISOString(),
      },
    ],
  };
}

function backlog(shape: Shape): JobInput[] {
  return Array.from({ length: JOBS }, (_, i) => {
    if (shape === 'interleaved') return input(`doc-${i % LANES}`);
    return input(i < JOBS - (LANES - 1) ? 'doc-busy' : `doc-${i}`);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}

const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

async function run(shape: Shape): Promise<void> {
  const path = tempDbPath('seriatim-bench-');
  const storage = createSqliteStorage(path, {
    bus: new MemoryEventBus(),
    clock: systemClock,
    runnerId: 'bench',
  });
  try {
    const { queue } = storage;
    let t = performance.now();
    await queue.enqueueMany(backlog(shape));
    const enqueueMs = performance.now() - t;
    console.log(
      `\n${shape}: ${JOBS} pending jobs over ${LANES} lanes (enqueueMany: ${(JOBS / (enqueueMs / 1000)).toFixed(0)} jobs/s)`,
    );

    for (const limit of [1, 10, 100]) {
      const times: number[] = [];
      let claimed = 0;
      for (let i = 0; i < SAMPLES; i++) {
        t = performance.now();
        const claims = await queue.claim('bench', limit);
        times.push(performance.now() - t);
        claimed = claims.length;
        for (const claim of claims) {
          await queue.release({ jobId: claim.job.id, token: claim.token }, claim.job.attempts - 1);
        }
      }
      times.sort((a, b) => a - b);
      console.log(
        `  claim(limit ${String(limit).padStart(3)}) → ${String(claimed).padStart(3)} jobs: ` +
          `median ${us(percentile(times, 50))}, p99 ${us(percentile(times, 99))}`,
      );
    }

    t = performance.now();
    let done = 0;
    for (;;) {
      const claims = await queue.claim('bench', 100);
      if (claims.length === 0) break;
      for (const claim of claims) {
        await queue.complete({ jobId: claim.job.id, token: claim.token }, claim.job.attempts);
      }
      done += claims.length;
    }
    const drainMs = performance.now() - t;
    console.log(
      `  drain with claim(100) + complete: ${done} jobs in ${drainMs.toFixed(0)} ms = ` +
        `${(done / (drainMs / 1000)).toFixed(0)} jobs/s`,
    );
  } finally {
    await storage.close();
    removeDb(path);
    rmSync(path, { force: true });
  }
}

console.log(`SQLite queue benchmark (node ${process.version}, better-sqlite3, WAL, NORMAL)`);
await run('interleaved');
await run('busy lane first');
