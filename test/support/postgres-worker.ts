/**
 * A child process for the multi-process PostgreSQL tests: a `JobExecutorManager` with a
 * `DocumentJobExecutor` (example counter and todo models) over `createPostgresStorage(url)`.
 *
 *   node --import tsx test/support/postgres-worker.ts '<config JSON>'
 *
 * Config: `{ url, schema, runnerId, storage?: PostgresStorageOptions, executor?: ExecutorOptions,
 * waitForGo?, killAt? }`; `killAt` (e.g. `'store.append:after:37'`, see kill-points.ts) makes it
 * SIGKILL itself at that port call. Protocol, one JSON object per stdout line: `{ event: 'ready' }` once the storage
 * is started; with `waitForGo`, it then waits for a line `go` on stdin before starting the runtime
 * (so that several workers start together). It runs until the queue has no pending and no running
 * job, stops, closes the storage, prints `{ event: 'done', completed, failed, retries, staleClaims, errors,
 * calls }`
 * and exits 0.
 */
import { createInterface } from 'node:readline';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import {
  createPostgresStorage,
  type PostgresStorageOptions,
} from '../../src/adapters/postgres/index.js';
import { systemClock } from '../../src/clock.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { StaleClaimError } from '../../src/errors.js';
import { counterModel, todoModel } from '../../src/examples/index.js';
import type { ExecutorOptions } from '../../src/options.js';
import { parseKillPoint, withKillPoint } from './kill-points.js';

/** What the parent passes as the argument. */
export type PostgresWorkerConfig = {
  url: string;
  schema: string;
  runnerId: string;
  storage?: PostgresStorageOptions;
  executor?: ExecutorOptions;
  waitForGo?: boolean;
  /** SIGKILL this process at that port call, e.g. `'store.append:after:37'`. */
  killAt?: string;
};

/** A line the worker prints. */
export type PostgresWorkerMessage =
  | { event: 'ready'; runnerId: string }
  | {
      event: 'done';
      runnerId: string;
      completed: number;
      failed: number;
      /** Attempts that failed with a retryable error (e.g. a write conflict) and were retried. */
      retries: number;
      staleClaims: number;
      errors: string[];
      /** Port calls made, by `port.method` (counted only with `killAt`). */
      calls: Record<string, number>;
    };

const [json] = process.argv.slice(2);
if (json === undefined) {
  console.error('usage: postgres-worker.ts <config JSON>');
  process.exit(2);
}
const config = JSON.parse(json) as PostgresWorkerConfig;
const { runnerId } = config;
const send = (message: PostgresWorkerMessage) =>
  process.stdout.write(`${JSON.stringify(message)}\n`);

const errors: string[] = [];
let staleClaims = 0;
const onError = (error: unknown) => {
  // A claim reaped while it ran is refused on completion: expected after a reap, so counted.
  if (error instanceof StaleClaimError) staleClaims += 1;
  else errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
};

const bus = new MemoryEventBus();
const { storage, calls } = withKillPoint(
  createPostgresStorage(
    config.url,
    { bus, clock: systemClock, runnerId },
    { schema: config.schema, ...config.storage },
  ),
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
let retries = 0;
manager.on('jobRetry', () => {
  retries += 1;
});
manager.on('jobCompleted', () => {
  completed += 1;
});
manager.on('jobFailed', ({ job, error }) => {
  failed += 1;
  errors.push(`job ${job.id} failed: ${error.codeName} ${error.message}`);
});

await storage.start();
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

await manager.start();
// Poll the database until every job everywhere is finished (ours, other workers', reaped ones).
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
  retries,
  staleClaims,
  errors,
  calls: Object.fromEntries(calls),
});
process.exit(0);
