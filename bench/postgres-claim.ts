/**
 * Claim latency, completion latency and queue throughput of the PostgreSQL queue, and the claim
 * statement against the alternatives it was chosen over.
 *
 *   SERIATIM_PG_URL=postgres://… npx tsx bench/postgres-claim.ts [jobs=100000] [lanes=1000]
 *   bash scripts/with-postgres.sh npx tsx bench/postgres-claim.ts
 *
 * For two shapes of backlog — lanes interleaved in the enqueue order, and the worst case for a
 * scan in enqueue order (one busy lane's jobs first, then one job per other lane) — it measures
 * the latency of claiming `limit` jobs with each claim statement (each claim released again
 * outside the timing, so the backlog stays the same), then, with the adapter: `complete` latency
 * (one call, and 10 calls of one tick batched), and the throughput of draining a backlog with 1
 * and with 4 concurrent claimers doing claim(10) + complete. Each run uses a fresh schema.
 * @module
 */
import pg from 'pg';
import { MemoryEventBus } from '../src/adapters/memory/index.js';
import { createPostgresStorage, type PostgresStorage } from '../src/adapters/postgres/index.js';
import { claimJobs } from '../src/adapters/postgres/statements/claim-jobs.js';
import { systemClock } from '../src/clock.js';
import type { JobInput } from '../src/types.js';

const URL = process.env.SERIATIM_PG_URL;
const JOBS = Number(process.argv[2] ?? 100_000);
const LANES = Number(process.argv[3] ?? 1_000);
const SAMPLES = 200;

type Shape = 'interleaved' | 'busy lane first';

/** The claim statements compared; each takes ($1 runner, $2 limit, $3 now). */
const CLAIMS: Record<string, string> = {
  'ready index (blockers = 0), the adapter': claimJobs.text,
  'DISTINCT ON lane heads over job_lanes': `
UPDATE jobs AS j
SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = $1,
    claim_token = gen_random_uuid(), heartbeat_at = $3
FROM (
  SELECT c.seq FROM jobs AS c
  WHERE c.seq IN (
          SELECT DISTINCT ON (document_id, branch, scope) seq FROM job_lanes
          ORDER BY document_id, branch, scope, seq)
    AND c.status = 'PENDING' AND (c.run_at IS NULL OR c.run_at <= $3)
    AND NOT EXISTS (
      SELECT 1 FROM job_lanes AS mine JOIN job_lanes AS e
        ON e.document_id = mine.document_id AND e.branch = mine.branch AND e.scope = mine.scope
       AND e.seq < mine.seq
      WHERE mine.seq = c.seq)
  ORDER BY c.seq LIMIT $2
  FOR UPDATE OF c SKIP LOCKED
) AS ready
WHERE j.seq = ready.seq
RETURNING j.*`,
  'scan of pending jobs in seq order, NOT EXISTS an earlier lane row': `
UPDATE jobs AS j
SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = $1,
    claim_token = gen_random_uuid(), heartbeat_at = $3
FROM (
  SELECT c.seq FROM jobs AS c
  WHERE c.status = 'PENDING' AND (c.run_at IS NULL OR c.run_at <= $3)
    AND NOT EXISTS (
      SELECT 1 FROM job_lanes AS mine JOIN job_lanes AS e
        ON e.document_id = mine.document_id AND e.branch = mine.branch AND e.scope = mine.scope
       AND e.seq < mine.seq
      WHERE mine.seq = c.seq)
  ORDER BY c.seq LIMIT $2
  FOR UPDATE SKIP LOCKED
) AS ready
WHERE j.seq = ready.seq
RETURNING j.*`,
};

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

function backlog(shape: Shape, jobs: number): JobInput[] {
  return Array.from({ length: jobs }, (_, i) => {
    if (shape === 'interleaved') return input(`doc-${i % LANES}`);
    return input(i < jobs - (LANES - 1) ? 'doc-busy' : `doc-${i}`);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}

const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
const summary = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return `median ${us(percentile(sorted, 50))}, p99 ${us(percentile(sorted, 99))}`;
};

function open(schema: string, poolSize = 8): PostgresStorage {
  return createPostgresStorage(
    URL as string,
    { bus: new MemoryEventBus(), clock: systemClock, runnerId: 'bench' },
    { schema, poolSize },
  );
}

async function drop(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}

async function enqueue(storage: PostgresStorage, inputs: JobInput[]): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < inputs.length; i += 5_000) {
    await storage.queue.enqueueMany(inputs.slice(i, i + 5_000));
  }
  return inputs.length / ((performance.now() - t) / 1000);
}

async function claims(shape: Shape): Promise<void> {
  const schema = `bench_claim_${process.pid}`;
  const storage = open(schema);
  const client = new pg.Client({ connectionString: URL, options: `-c search_path=${schema}` });
  try {
    const rate = await enqueue(storage, backlog(shape, JOBS));
    await client.connect();
    await client.query('VACUUM ANALYZE jobs');
    await client.query('VACUUM ANALYZE job_lanes');
    console.log(
      `\n${shape}: ${JOBS} pending jobs over ${LANES} lanes (enqueueMany: ${rate.toFixed(0)} jobs/s)`,
    );
    for (const limit of [1, 10, 100]) {
      for (const [name, text] of Object.entries(CLAIMS)) {
        const times: number[] = [];
        let claimed = 0;
        const samples = name.startsWith('ready') ? SAMPLES : 10;
        for (let i = 0; i < samples; i++) {
          const t = performance.now();
          const { rows } = await client.query<{ seq: string }>(text, ['bench', limit, Date.now()]);
          times.push(performance.now() - t);
          claimed = rows.length;
          await client.query(
            "UPDATE jobs SET status = 'PENDING', attempts = 0, claim_token = NULL, runner_id = NULL, heartbeat_at = NULL WHERE seq = ANY($1::bigint[])",
            [rows.map((row) => row.seq)],
          );
        }
        console.log(
          `  claim(limit ${String(limit).padStart(3)}) → ${String(claimed).padStart(3)} jobs, ${name}: ${summary(times)}`,
        );
      }
    }
  } finally {
    await client.end().catch(() => {});
    await storage.close();
    await drop(schema);
  }
}

async function completion(): Promise<void> {
  const schema = `bench_complete_${process.pid}`;
  const storage = open(schema);
  const { queue } = storage;
  try {
    await enqueue(storage, backlog('interleaved', 20_000));
    console.log(`\nadapter, 20000 jobs over ${LANES} lanes`);
    const one: number[] = [];
    const ten: number[] = [];
    const claimTimes: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      let t = performance.now();
      const batch = await queue.claim('bench', 11);
      claimTimes.push(performance.now() - t);
      const [first, ...rest] = batch;
      if (first === undefined) break;
      t = performance.now();
      await queue.complete({ jobId: first.job.id, token: first.token }, 1);
      one.push(performance.now() - t);
      t = performance.now();
      await Promise.all(rest.map((c) => queue.complete({ jobId: c.job.id, token: c.token }, 1)));
      ten.push(performance.now() - t);
    }
    console.log(`  queue.claim(11): ${summary(claimTimes)}`);
    console.log(`  queue.complete, 1 call: ${summary(one)}`);
    console.log(`  queue.complete, 10 calls in one tick (one batch): ${summary(ten)}`);
  } finally {
    await storage.close();
    await drop(schema);
  }
}

/** Drains a fresh backlog with `claimers` concurrent loops of claim(10) + complete. */
async function drain(claimers: number, jobs: number): Promise<void> {
  const schema = `bench_drain_${process.pid}`;
  const storage = open(schema);
  const { queue } = storage;
  try {
    await enqueue(storage, backlog('interleaved', jobs));
    const t = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: claimers }, async (_, w) => {
        for (;;) {
          const batch = await queue.claim(`bench-${w}`, 10);
          if (batch.length === 0) break;
          await Promise.all(
            batch.map((c) => queue.complete({ jobId: c.job.id, token: c.token }, 1)),
          );
          done += batch.length;
        }
      }),
    );
    const ms = performance.now() - t;
    console.log(
      `  drain ${jobs} jobs over ${LANES} lanes, ${claimers} claimer(s) × claim(10) + complete: ${ms.toFixed(0)} ms = ${(done / (ms / 1000)).toFixed(0)} jobs/s`,
    );
  } finally {
    await storage.close();
    await drop(schema);
  }
}

if (!URL) {
  console.log('SERIATIM_PG_URL is not set: run through scripts/with-postgres.sh');
  process.exit(0);
}
const server = new pg.Client({ connectionString: URL });
await server.connect();
const { rows } = await server.query<{ v: string; f: string }>(
  "SELECT current_setting('server_version') AS v, current_setting('fsync') AS f",
);
await server.end();
console.log(
  `PostgreSQL queue benchmark (node ${process.version}, PostgreSQL ${rows[0]?.v}, fsync ${rows[0]?.f})`,
);
await claims('interleaved');
await claims('busy lane first');
await completion();
await drain(1, 10_000);
await drain(4, 10_000);
