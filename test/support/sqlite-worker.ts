/**
 * A child process for the multi-process SQLite tests: a `JobExecutorManager` with a
 * `DocumentJobExecutor` (example counter and todo models) over `createSqliteStorage(file)`.
 *
 *   node --import tsx test/support/sqlite-worker.ts <file> '<config JSON>'
 *
 * Config: `{ runnerId, storage?: SqliteStorageOptions, executor?: ExecutorOptions, waitForGo?,
 * killAt?, clockOffset? }`: `killAt` (e.g. `'store.append:after:37'`, see kill-points.ts) makes
 * it SIGKILL itself at that port call; `clockOffset` (ms) puts its clock ahead of the real one.
 * Protocol, one JSON object per stdout line: `{ event: 'ready' }` once the storage is open; with
 * `waitForGo`, it then waits for a line `go` on stdin before starting (so that several workers
 * start together). It runs until the queue has no pending and no running job, stops, closes the
 * storage, prints `{ event: 'done', completed, failed, staleClaims, errors, calls }` and exits 0.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import { createSqliteStorage, type SqliteStorageOptions } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { StaleClaimError } from '../../src/errors.js';
import { counterModel, todoModel } from '../../src/examples/index.js';
import type { ExecutorOptions } from '../../src/options.js';
import type { JobInput } from '../../src/types.js';
import { parseKillPoint, withKillPoint } from './kill-points.js';
import { enqueueMissing } from './multiprocess-workload.js';

/** What the parent passes as the second argument. */
export type SqliteWorkerConfig = {
  runnerId: string;
  storage?: SqliteStorageOptions;
  executor?: ExecutorOptions;
  waitForGo?: boolean;
  /** SIGKILL this process at that port call, e.g. `'store.append:after:37'`. */
  killAt?: string;
  /**
   * Milliseconds this process's clock is ahead of the real one. A restart on a file whose last
   * runner was killed, given an offset past `stalledThreshold`, sees that runner's claims as
   * stalled at its first reap, without waiting for the threshold in real time.
   */
  clockOffset?: number;
  /**
   * Also a producer: enqueues the job inputs of this JSON file (an array, each with its `id`) in
   * `enqueueMany` batches of `batchSize` whenever fewer than `lowWater` jobs are pending, skipping
   * the batches already in the queue (a restart after a kill goes on where its predecessor
   * stopped). See `enqueueMissing`.
   */
  produce?: { file: string; batchSize: number; lowWater: number };
};

/** A line the worker prints. */
export type SqliteWorkerMessage =
  | { event: 'ready'; runnerId: string }
  | {
      event: 'done';
      runnerId: string;
      completed: number;
      failed: number;
      staleClaims: number;
      errors: string[];
      /** Port calls made, by `port.method` (counted only with `killAt`). */
      calls: Record<string, number>;
    };

const [file, json] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: sqlite-worker.ts <file> [config JSON]');
  process.exit(2);
}
const config = JSON.parse(json ?? '{}') as SqliteWorkerConfig;
const runnerId = config.runnerId ?? `worker-${process.pid}`;
const send = (message: SqliteWorkerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

const errors: string[] = [];
let staleClaims = 0;
const onError = (error: unknown) => {
  // A claim reaped while it ran is refused on completion: expected after a reap, so counted.
  if (error instanceof StaleClaimError) staleClaims += 1;
  else errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
};

const bus = new MemoryEventBus();
const offset = config.clockOffset ?? 0;
const clock = offset === 0 ? systemClock : { ...systemClock, now: () => Date.now() + offset };
const { storage, calls } = withKillPoint(
  createSqliteStorage(file, { bus, clock, runnerId }, { ...config.storage, onError }),
  config.killAt === undefined ? undefined : parseKillPoint(config.killAt),
);
const executor = new DocumentJobExecutor({
  store: storage.store,
  models: new ModelRegistry([counterModel, todoModel]),
});
const manager = new JobExecutorManager({
  queue: storage.queue,
  executor,
  bus,
  runnerId,
  config: config.executor,
  onError,
});
let completed = 0;
let failed = 0;
manager.on('jobCompleted', () => {
  completed += 1;
});
manager.on('jobFailed', ({ job, error }) => {
  failed += 1;
  errors.push(`job ${job.id} failed: ${error.codeName} ${error.message}`);
});

send({ event: 'ready', runnerId });
if (config.waitForGo) {
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line.trim() === 'go') resolve();
    });
  });
  lines.close();
}

await storage.start?.();
await manager.start();
if (config.produce !== undefined) {
  const inputs = JSON.parse(readFileSync(config.produce.file, 'utf8')) as (JobInput & {
    id: string;
  })[];
  await enqueueMissing(storage.queue, inputs, config.produce);
}
// Poll the shared file until every job everywhere is finished (ours, other workers', reaped ones).
for (;;) {
  const counts = await storage.queue.counts();
  if (counts.pending === 0 && counts.running === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 25));
}
await manager.stop(true);
manager.dispose();
await storage.close();
send({
  event: 'done',
  runnerId,
  completed,
  failed,
  staleClaims,
  errors,
  calls: Object.fromEntries(calls),
});
process.exit(0);
