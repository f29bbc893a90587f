/**
 * Options of the SQLite storage: one sentence and a default each, one `SQLITE_DEFAULTS`, one
 * `resolveSqliteOptions()`.
 * @module
 */
import { ConfigError } from '../../errors.js';
import { describe, isOptionsObject, MAX_DELAY, unknownOption } from '../../options.js';

/** Options of {@link createSqliteStorage}. */
export type SqliteStorageOptions = {
  /**
   * `PRAGMA synchronous`: `NORMAL` (in WAL mode a crash keeps the database consistent; a power
   * loss may drop the last commits) or `FULL` (every commit is fsynced). @default 'NORMAL'
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Milliseconds a write waits for another connection's write lock before `SQLITE_BUSY`. @default 5000 */
  busyTimeout?: number;
  /**
   * `PRAGMA wal_autocheckpoint`: the WAL is copied back into the database file once it holds this
   * many pages (4 KiB each). Durability does not depend on it (a commit is in the WAL either way);
   * fewer checkpoints copy a page changed by many commits once instead of many times (P3: COMMIT
   * 30 -> 20 µs/job against SQLite's default of 1000), for a WAL file of up to ~40 MB.
   * @default 10000
   */
  walAutocheckpoint?: number;
  /** Milliseconds between checks for commits by other connections (`PRAGMA data_version`). @default 50 */
  pollInterval?: number;
  /** Milliseconds between heartbeats of this storage's running claims. @default 10000 */
  heartbeatInterval?: number;
  /** Milliseconds without a heartbeat after which a running claim counts as stalled. @default 60000 */
  stalledThreshold?: number;
  /** Milliseconds between reaper runs after `start()`. @default 30000 */
  reapInterval?: number;
  /** Stalled claims the reaper handles per run, at most. @default 100 */
  maxReapBatch?: number;
  /**
   * Retries of a job without its own `maxRetries`, for the reaper: a stalled claim whose job has
   * used more attempts than this fails instead of going back to pending. @default the storage
   * context's `maxRetries` (`createReactor`: `config.maxRetries`), else 3
   */
  maxRetries?: number;
  /**
   * Receives errors of the background work (polling, heartbeats, reaper). @default the storage
   * context's `onError` (`createReactor`: its `onError`), else console.error
   */
  onError?: (error: unknown) => void;
};

export type ResolvedSqliteOptions = Required<SqliteStorageOptions>;

type NumericOption = Exclude<keyof SqliteStorageOptions, 'synchronous' | 'onError'>;

/** The defaults of every option. */
export const SQLITE_DEFAULTS = Object.freeze({
  synchronous: 'NORMAL',
  busyTimeout: 5_000,
  walAutocheckpoint: 10_000,
  pollInterval: 50,
  heartbeatInterval: 10_000,
  stalledThreshold: 60_000,
  reapInterval: 30_000,
  maxReapBatch: 100,
  maxRetries: 3,
  onError: (error: unknown) => console.error('[seriatim/sqlite]', error),
} as const) satisfies ResolvedSqliteOptions;

/** Minimum value of each numeric option (all are integers). */
const MINIMUM: { [K in NumericOption]: number } = {
  busyTimeout: 0,
  walAutocheckpoint: 1,
  pollInterval: 1,
  heartbeatInterval: 1,
  stalledThreshold: 1,
  reapInterval: 1,
  maxReapBatch: 1,
  maxRetries: 0,
};

const KEYS = ['synchronous', 'onError', ...Object.keys(MINIMUM)];

/**
 * Merges `options` over `inherited` (the storage context's `maxRetries` and `onError`) over the
 * defaults, and rejects a bad value with a `ConfigError` naming the option and the value received.
 */
export function resolveSqliteOptions(
  options: SqliteStorageOptions = {},
  inherited: Pick<SqliteStorageOptions, 'maxRetries' | 'onError'> = {},
): ResolvedSqliteOptions {
  if (!isOptionsObject(options)) {
    throw new ConfigError('options', `expected an object, got ${describe(options)}`);
  }
  const resolved: ResolvedSqliteOptions = { ...SQLITE_DEFAULTS };
  for (const [key, value] of [...Object.entries(inherited), ...Object.entries(options)]) {
    if (!KEYS.includes(key)) throw unknownOption(key, KEYS);
    if (value === undefined) continue;
    if (key === 'synchronous') {
      if (value !== 'NORMAL' && value !== 'FULL') {
        throw new ConfigError(
          key,
          `expected \`synchronous\` to be 'NORMAL' or 'FULL', got ${describe(value)}`,
        );
      }
      resolved.synchronous = value;
    } else if (key === 'onError') {
      if (typeof value !== 'function') {
        throw new ConfigError(key, `expected \`onError\` to be a function, got ${describe(value)}`);
      }
      resolved.onError = value as ResolvedSqliteOptions['onError'];
    } else {
      const name = key as NumericOption;
      const min = MINIMUM[name];
      // At most MAX_DELAY: a Node timer given more fires after 1 ms (the counts need no more either).
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < min ||
        value > MAX_DELAY
      ) {
        throw new ConfigError(
          name,
          `expected \`${name}\` to be an integer from ${min} to ${MAX_DELAY}, got ${describe(value)}`,
        );
      }
      resolved[name] = value;
    }
  }
  if (resolved.stalledThreshold <= resolved.heartbeatInterval) {
    throw new ConfigError(
      'stalledThreshold',
      `expected \`stalledThreshold\` (${resolved.stalledThreshold}) to be greater than \`heartbeatInterval\` (${resolved.heartbeatInterval}), or live claims would be reaped`,
    );
  }
  return resolved;
}
