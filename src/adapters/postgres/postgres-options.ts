/**
 * Options of the PostgreSQL storage: one sentence and a default each, one `DEFAULTS`, one resolver
 * that rejects a bad value naming the option.
 * @module
 */
import { ConfigError } from '../../errors.js';
import { describe, isOptionsObject, MAX_DELAY, unknownOption } from '../../options.js';

/** Options of {@link createPostgresStorage}. */
export type PostgresStorageOptions = {
  /**
   * Schema holding seriatim's tables (created and migrated on first use); lower-case letters,
   * digits and `_`. Processes that share a schema share the queue.
   * @default 'seriatim'
   */
  schema?: string;
  /** Connections in the pool (plus one dedicated to LISTEN after `start()`). @default 10 */
  poolSize?: number;
  /**
   * Backstop for LISTEN/NOTIFY: every `pollInterval` ms, publish `jobAvailable` when a job is
   * ready. @default 1000
   */
  pollInterval?: number;
  /** Every `heartbeatInterval` ms, the claims this storage holds are marked alive. @default 10000 */
  heartbeatInterval?: number;
  /**
   * A running claim whose last heartbeat is older than this (ms) belongs to a dead runner and is
   * reaped. Must exceed `heartbeatInterval`. @default 60000
   */
  stalledThreshold?: number;
  /** Every `reapInterval` ms the reaper runs (in one process at a time). @default 30000 */
  reapInterval?: number;
  /** Stalled claims reaped by one run of the reaper at most. @default 100 */
  maxReapBatch?: number;
  /**
   * Retries of a job without its own `maxRetries`, for the reaper: a stalled claim whose job has
   * used more attempts than this fails instead of going back to pending. @default the storage
   * context's `maxRetries` (`createReactor`: `config.maxRetries`), else 3
   */
  maxRetries?: number;
  /**
   * Receives errors of the background work (LISTEN, polling, heartbeats, reaper, idle pool
   * connections). @default the storage context's `onError` (`createReactor`: its `onError`),
   * else console.error
   */
  onError?: (error: unknown) => void;
};

export type ResolvedPostgresStorageOptions = Required<PostgresStorageOptions>;

/** The defaults of every option. */
export const POSTGRES_DEFAULTS = Object.freeze({
  schema: 'seriatim',
  poolSize: 10,
  pollInterval: 1_000,
  heartbeatInterval: 10_000,
  stalledThreshold: 60_000,
  reapInterval: 30_000,
  maxReapBatch: 100,
  maxRetries: 3,
  onError: (error: unknown) => console.error('[seriatim] postgres:', error),
} as const) satisfies ResolvedPostgresStorageOptions;

/** Minimum value of each integer option. */
const MINIMUM = {
  poolSize: 1,
  pollInterval: 1,
  heartbeatInterval: 1,
  stalledThreshold: 1,
  reapInterval: 1,
  maxReapBatch: 1,
  maxRetries: 0,
} as const;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Merges `options` over `inherited` (the storage context's `maxRetries` and `onError`) over the
 * defaults; throws a `ConfigError` naming a bad option.
 */
export function resolvePostgresOptions(
  options: PostgresStorageOptions = {},
  inherited: Pick<PostgresStorageOptions, 'maxRetries' | 'onError'> = {},
): ResolvedPostgresStorageOptions {
  if (!isOptionsObject(options)) {
    throw new ConfigError('options', `expected an object, got ${describe(options)}`);
  }
  const resolved: ResolvedPostgresStorageOptions = { ...POSTGRES_DEFAULTS };
  for (const [key, value] of [...Object.entries(inherited), ...Object.entries(options)]) {
    if (value === undefined) continue;
    if (key === 'onError') {
      if (typeof value !== 'function') {
        throw new ConfigError(key, `expected \`onError\` to be a function, got ${describe(value)}`);
      }
      resolved.onError = value as ResolvedPostgresStorageOptions['onError'];
      continue;
    }
    if (key === 'schema') {
      if (typeof value !== 'string' || !SCHEMA_NAME.test(value)) {
        throw new ConfigError(
          'schema',
          `expected \`schema\` to be a lower-case identifier (a-z, 0-9, _; at most 63), got ${describe(value)}`,
        );
      }
      resolved.schema = value;
      continue;
    }
    if (!Object.hasOwn(MINIMUM, key))
      throw unknownOption(key, ['schema', 'onError', ...Object.keys(MINIMUM)]);
    const name = key as keyof typeof MINIMUM;
    const min = MINIMUM[name];
    // At most MAX_DELAY: a Node timer given more fires after 1 ms (the counts need no more either).
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DELAY) {
      throw new ConfigError(
        name,
        `expected \`${name}\` to be an integer from ${min} to ${MAX_DELAY}, got ${describe(value)}`,
      );
    }
    resolved[name] = value;
  }
  if (resolved.stalledThreshold <= resolved.heartbeatInterval) {
    throw new ConfigError(
      'stalledThreshold',
      `expected \`stalledThreshold\` (${resolved.stalledThreshold}) > \`heartbeatInterval\` (${resolved.heartbeatInterval}), or live runners would be reaped`,
    );
  }
  return resolved;
}
