/**
 * `createPostgresStorage`: the queue, the operation store, the schedule store and the reaper on one
 * PostgreSQL pool, with heartbeats, LISTEN/NOTIFY and polling.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import type { Storage, StorageContext } from '../ports.js';
import { type Repetition, repeat } from '../repeat.js';
import { loadPg } from './load-pg.js';
import { PostgresListener } from './postgres-listener.js';
import { migrate } from './postgres-migrator.js';
import { PostgresOperationStore } from './postgres-operation-store.js';
import {
  type PostgresStorageOptions,
  type ResolvedPostgresStorageOptions,
  resolvePostgresOptions,
} from './postgres-options.js';
import { PostgresQueue } from './postgres-queue.js';
import { PostgresReaper } from './postgres-reaper.js';
import { PostgresScheduleStore } from './postgres-schedule-store.js';
import { anyReady } from './statements/any-ready.js';
import { run } from './statements/statement.js';

/** The storage {@link createPostgresStorage} returns: the ports plus PostgreSQL specifics. */
export type PostgresStorage = Storage & {
  queue: PostgresQueue;
  store: PostgresOperationStore;
  reaper: PostgresReaper;
  scheduleStore: PostgresScheduleStore;
  /** The resolved options. */
  readonly options: Readonly<ResolvedPostgresStorageOptions>;
  /** Migrates the schema now (otherwise the first statement does). */
  migrate(): Promise<void>;
  /** Migrates, then starts LISTEN, heartbeats, the reaper and polling; idempotent. */
  start(): Promise<void>;
};

/**
 * PostgreSQL storage for any number of executor processes sharing one database (README: Storage
 * adapters):
 * lane order holds across processes, claims carry the runner id and a claim token, running
 * claims heartbeat, a reaper returns the jobs of dead runners to pending in their place, and
 * LISTEN/NOTIFY (with polling as a backstop) wakes runners on `jobAvailable`. Recurring schedules
 * live in the same database (`scheduleStore`, which `createReactor` takes): every process sharing
 * it enqueues each tick's job exactly once between them, and schedules survive restarts.
 *
 * The schema (`options.schema`) is created and migrated on first use, safely from several
 * processes at once. `start()` opens the LISTEN connection and starts heartbeats, the reaper and
 * polling, all timed by `ctx.clock`; `close()` stops them and ends the pool.
 *
 * @example
 * const storage = createPostgresStorage(process.env.DATABASE_URL!, { bus, clock: systemClock, runnerId });
 * await storage.start();
 * await storage.queue.enqueue(createDocumentJob({ documentId: 'd1', documentType, scopes }));
 * // … run a JobExecutorManager over storage.queue and a DocumentJobExecutor over storage.store …
 * await storage.close();
 */
export function createPostgresStorage(
  connectionString: string,
  ctx: StorageContext,
  options: PostgresStorageOptions = {},
): PostgresStorage {
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw new ConfigError(
      'connectionString',
      `expected a PostgreSQL connection string, got ${typeof connectionString === 'string' ? 'an empty string' : typeof connectionString}`,
    );
  }
  const resolved = resolvePostgresOptions(options, {
    maxRetries: ctx.maxRetries,
    onError: ctx.onError,
  });
  const { schema, onError } = resolved;
  const { bus, clock } = ctx;

  const pool = new (loadPg().Pool)({
    connectionString,
    max: resolved.poolSize,
    // Custom plans only: a generic plan cached while a table was nearly empty or its statistics
    // stale (a fresh schema, a backlog that grew since ANALYZE) stays in use for the session;
    // measured, the lane claim kept a sequential scan of `job_lanes` per lane (P4 fell to ~340
    // jobs/s at 2 ms of server CPU per job). Planning each execution costs a few µs per job now
    // that statements carry whole batches.
    options: `-c search_path=${schema} -c plan_cache_mode=force_custom_plan`,
    application_name: `seriatim ${ctx.runnerId}`.slice(0, 63),
  });
  // An idle connection that fails is dropped by the pool; without a listener it would crash us.
  pool.on('error', onError);

  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    migrated ??= migrate(pool, schema).then(
      () => {},
      (error: unknown) => {
        migrated = undefined; // let the next call try again
        throw error;
      },
    );
    return migrated;
  };

  const channel = `seriatim_${schema}`;
  const origin = randomUUID();
  const queue = new PostgresQueue({ pool, clock, bus, ready, channel, origin, onError });
  const store = new PostgresOperationStore({
    pool,
    clock,
    ready,
    channel,
    origin,
    onError,
    onClaimCompleted: (claim) => queue.completedByAppend(claim),
  });
  const scheduleStore = new PostgresScheduleStore({ pool, ready });
  const reaper = new PostgresReaper({
    pool,
    clock,
    bus,
    ready,
    channel,
    origin,
    stalledThreshold: resolved.stalledThreshold,
    maxReapBatch: resolved.maxReapBatch,
    maxRetries: resolved.maxRetries,
  });
  const listener = new PostgresListener({
    connectionString,
    applicationName: `seriatim listen ${ctx.runnerId}`.slice(0, 63),
    channel,
    origin,
    bus,
    clock,
    reconnectDelay: resolved.pollInterval,
    onError,
  });

  let repetitions: Repetition[] = [];
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const poll = async () => {
    const [row] = await run<{ ready: boolean }>(pool, anyReady, [clock.now()]);
    if (row?.ready) bus.publish(QueueEventTypes.JOB_AVAILABLE, {});
  };

  return {
    queue,
    store,
    reaper,
    scheduleStore,
    options: Object.freeze({ ...resolved }),
    migrate: ready,
    start() {
      if (closed !== undefined) return Promise.reject(new Error('The storage is closed'));
      started ??= (async () => {
        await ready();
        await listener.start();
        repetitions = [
          repeat(clock, resolved.heartbeatInterval, () => queue.heartbeat(), onError),
          repeat(clock, resolved.reapInterval, () => reaper.reap(), onError),
          repeat(clock, resolved.pollInterval, poll, onError),
        ];
      })();
      return started;
    },
    close() {
      closed ??= (async () => {
        await started?.catch(() => {});
        await Promise.all(repetitions.map((repetition) => repetition.stop()));
        await listener.stop();
        await queue.close();
        await store.close();
        await pool.end();
      })();
      return closed;
    },
  };
}
