/**
 * `createSqliteStorage`: a queue, an operation store and a schedule store on one SQLite
 * connection, with their background work (change polling, heartbeats, reaper).
 * @module
 */
import { ConfigError } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import type { Storage, StorageContext } from '../ports.js';
import { type Repetition, repeat } from '../repeat.js';
import { openSqliteDatabase } from './sqlite-connection.js';
import { SqliteOperationStore } from './sqlite-operation-store.js';
import { resolveSqliteOptions, type SqliteStorageOptions } from './sqlite-options.js';
import { SqliteQueue } from './sqlite-queue.js';
import { SqliteReaper } from './sqlite-reaper.js';
import { SqliteScheduleStore } from './sqlite-schedule-store.js';
import { SqliteWriteBatcher } from './sqlite-write-batcher.js';

/** The SQLite {@link Storage}, with its concrete parts. */
export type SqliteStorage = Storage & {
  queue: SqliteQueue;
  store: SqliteOperationStore;
  reaper: SqliteReaper;
  scheduleStore: SqliteScheduleStore;
  /** The database file. */
  readonly path: string;
};

/**
 * Opens (or creates) the SQLite database at `path` and returns a queue, an operation store and a
 * schedule store sharing its one connection, in WAL mode with a busy timeout; the schema is
 * migrated on open. Several processes (or several storages of one process) may share the file:
 * lane order, claims and one job per schedule tick hold across them; `createReactor` takes the
 * schedule store, so recurring schedules survive a restart.
 *
 * Nothing runs in the background until `start()`: then every `pollInterval` the connection checks
 * `PRAGMA data_version` and publishes `jobAvailable` on `ctx.bus` when another connection
 * committed; every `heartbeatInterval` the running claims this storage handed out beat; every
 * `reapInterval` the reaper returns claims silent for `stalledThreshold` to pending. All timers
 * run on `ctx.clock`. `close()` stops them and closes the connection.
 *
 * @example
 * import { createSqliteStorage } from 'seriatim/sqlite';
 * const storage = createSqliteStorage('seriatim.db', { bus, clock: systemClock, runnerId: 'r1' });
 * await storage.start();
 * // …
 * await storage.close();
 * @throws ConfigError naming an invalid option; Error when the file cannot be opened in
 * WAL mode or holds a newer schema.
 */
export function createSqliteStorage(
  path: string,
  ctx: StorageContext,
  options: SqliteStorageOptions = {},
): SqliteStorage {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ConfigError('path', `expected a file path, got ${JSON.stringify(path)}`);
  }
  const o = resolveSqliteOptions(options, { maxRetries: ctx.maxRetries, onError: ctx.onError });
  const { bus, clock } = ctx;
  const db = openSqliteDatabase(path, {
    synchronous: o.synchronous,
    busyTimeout: o.busyTimeout,
    walAutocheckpoint: o.walAutocheckpoint,
    now: () => clock.now(),
  });
  const writes = new SqliteWriteBatcher(db);
  const queue = new SqliteQueue(db, { bus, clock, writes });
  const store = new SqliteOperationStore(db, { claims: queue, writes });
  const scheduleStore = new SqliteScheduleStore(db);
  const reaper = new SqliteReaper(db, {
    bus,
    clock,
    stalledThreshold: o.stalledThreshold,
    maxReapBatch: o.maxReapBatch,
    maxRetries: o.maxRetries,
  });

  let background: Repetition[] | undefined;
  let closed = false;
  const dataVersion = () => db.pragma('data_version', { simple: true }) as number;

  return {
    path,
    queue,
    store,
    reaper,
    scheduleStore,
    async start() {
      if (closed) throw new Error('This SQLite storage is closed');
      if (background !== undefined) return;
      let seen = dataVersion();
      background = [
        repeat(
          clock,
          o.pollInterval,
          () => {
            const version = dataVersion();
            if (version === seen) return;
            seen = version;
            bus.publish(QueueEventTypes.JOB_AVAILABLE, {});
          },
          o.onError,
        ),
        repeat(clock, o.heartbeatInterval, () => queue.heartbeat(), o.onError),
        repeat(clock, o.reapInterval, () => reaper.reap(), o.onError),
      ];
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all((background ?? []).map((task) => task.stop()));
      background = undefined;
      writes.flush();
      db.close();
    },
  };
}
