/**
 * A child process for the multi-process handler-job test: a reactor over
 * `createPostgresStorage(url, …, { schema })` with one handler, `log`, whose side effect is a row
 * in `handler_runs` (job id, runner, attempt, and a `seq` from a sequence: the order runs began
 * across every process).
 *
 *   node --import tsx test/support/handler-worker.ts '<config JSON>'
 *
 * A second handler, `steps`, is stateful (README: Handler jobs, "Stateful handlers"): each call
 * loads its checkpoint (the segment to run, 0 at first), records a row in `stateful_runs` (job id,
 * runner, segment, seq), works `latency` ms with a heartbeat, then saves the next segment and
 * returns `ctx.wait({ delay: input.sleep })`, or returns once `input.segments` ran.
 *
 * Protocol as postgres-worker.ts: `{ event: 'ready' }` once started on the storage, then it waits
 * for `go` on stdin, runs until the queue has no pending and no running job (or, with
 * `exitAfterWaits`, until that many of its calls returned `ctx.wait`), prints
 * `{ event: 'done', completed, failed, waits, errors }` and exits 0.
 */
import { createInterface } from 'node:readline';
import pg from 'pg';
import {
  createPostgresStorage,
  type PostgresStorageOptions,
} from '../../src/adapters/postgres/index.js';
import { createReactor, type HandlerContext, StaleClaimError } from '../../src/index.js';

export type HandlerWorkerConfig = {
  url: string;
  schema: string;
  runnerId: string;
  storage?: PostgresStorageOptions;
  maxConcurrency: number;
  /** Simulated I/O latency of each run, ms. */
  latency: number;
  /** Stop once this many calls returned `ctx.wait` (the jobs stay asleep in the queue). */
  exitAfterWaits?: number;
};

export type HandlerWorkerMessage =
  | { event: 'ready'; runnerId: string }
  | {
      event: 'done';
      runnerId: string;
      completed: number;
      failed: number;
      waits: number;
      errors: string[];
    };

const [json] = process.argv.slice(2);
if (json === undefined) {
  console.error('usage: handler-worker.ts <config JSON>');
  process.exit(2);
}
const config = JSON.parse(json) as HandlerWorkerConfig;
const { runnerId } = config;
const send = (message: HandlerWorkerMessage) =>
  process.stdout.write(`${JSON.stringify(message)}\n`);

const errors: string[] = [];
const sideEffects = new pg.Pool({ connectionString: config.url, max: 4 });
const reactor = await createReactor({
  models: [],
  runnerId,
  storage: (ctx) =>
    createPostgresStorage(config.url, ctx, { schema: config.schema, ...config.storage }),
  // A claim reaped while it ran is refused on completion: expected after a reap.
  onError: (error) => {
    if (!(error instanceof StaleClaimError)) errors.push(String(error));
  },
});
reactor.registerHandler('log', async (_input, { job, attempt }) => {
  await sideEffects.query(
    `INSERT INTO "${config.schema}".handler_runs (job_id, runner, attempt) VALUES ($1, $2, $3)`,
    [job.id, runnerId, attempt],
  );
  await new Promise((resolve) => setTimeout(resolve, config.latency));
  return { runner: runnerId };
});
reactor.registerHandler(
  'steps',
  async (input: { segments: number; sleep: number }, ctx: HandlerContext) => {
    const segment = (await ctx.checkpoint.load<number>()) ?? 0;
    await sideEffects.query(
      `INSERT INTO "${config.schema}".stateful_runs (job_id, runner, segment) VALUES ($1, $2, $3)`,
      [ctx.job.id, runnerId, segment],
    );
    await new Promise((resolve) => setTimeout(resolve, config.latency));
    await ctx.heartbeat();
    if (segment + 1 < input.segments) {
      await ctx.checkpoint.save(segment + 1);
      return ctx.wait({ delay: input.sleep, reason: `segment ${segment + 1}` });
    }
    return { runner: runnerId, segments: segment + 1 };
  },
);
let completed = 0;
let failed = 0;
let waits = 0;
reactor.on('jobWaiting', () => {
  waits += 1;
});
reactor.on('jobCompleted', () => {
  completed += 1;
});
reactor.on('jobFailed', ({ job, error }) => {
  failed += 1;
  errors.push(`job ${job.id} failed: ${error.codeName} ${error.message}`);
});

send({ event: 'ready', runnerId });
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => {
  lines.on('line', (line) => {
    if (line.trim() === 'go') resolve();
  });
});
lines.close();
await reactor.start({ maxConcurrency: config.maxConcurrency });
for (;;) {
  if (config.exitAfterWaits !== undefined) {
    if (waits >= config.exitAfterWaits) break;
  } else {
    const counts = await reactor.queue.counts();
    if (counts.pending === 0 && counts.running === 0) break;
  }
  await new Promise((resolve) => setTimeout(resolve, 25));
}
await reactor.close();
await sideEffects.end();
send({ event: 'done', runnerId, completed, failed, waits, errors });
process.exit(0);
