/**
 * Executor options: one sentence and a default each, one `DEFAULTS`, one `resolveOptions()`.
 * @module
 */
import { propertyPath, quote } from './describe-value.js';
import { ConfigError } from './errors.js';

/**
 * Configuration of the job executor manager (README: Configuration).
 * Every option is an integer; the millisecond ones are at most {@link MAX_DELAY}.
 */
export type ExecutorOptions = {
  /** Attempts that may run at once, across all lanes. @default 10 */
  maxConcurrency?: number;
  /** Milliseconds an attempt may run before its `AbortSignal` fires (TIMEOUT, retried). @default 30000 */
  jobTimeout?: number;
  /** Base of the exponential backoff, in ms: `random(0, min(max, base * 2^attempt))`. @default 100 */
  retryBaseDelay?: number;
  /** Cap of the backoff delay, in ms. @default 30000 */
  retryMaxDelay?: number;
  /** Retries after the first attempt, for retryable errors; a job's own `maxRetries` wins. @default 3 */
  maxRetries?: number;
  /** Jobs a lane may run back to back on one concurrency slot before it yields it (fairness). @default 8 */
  laneBatchSize?: number;
  /** Milliseconds an idle lane actor stays resident before it is stopped. @default 5000 */
  laneIdleTimeout?: number;
  /** Idle lane actors kept resident at most; the least recently used are stopped first. @default 1000 */
  maxResidentLanes?: number;
  /** Finished job results kept for `watch` (oldest dropped first). @default 10000 */
  resultRetention?: number;
  /** Window of `getStats().jobsPerSecond`, in ms. @default 10000 */
  statsWindow?: number;
};

export type ResolvedExecutorOptions = Required<ExecutorOptions>;

/** The defaults of every option. */
export const DEFAULTS = Object.freeze({
  maxConcurrency: 10,
  jobTimeout: 30_000,
  retryBaseDelay: 100,
  retryMaxDelay: 30_000,
  maxRetries: 3,
  laneBatchSize: 8,
  laneIdleTimeout: 5_000,
  maxResidentLanes: 1_000,
  resultRetention: 10_000,
  statsWindow: 10_000,
} as const) satisfies ResolvedExecutorOptions;

/** Minimum value of each option (all are integers). */
const MINIMUM: { [K in keyof ResolvedExecutorOptions]: number } = {
  maxConcurrency: 1,
  jobTimeout: 1,
  retryBaseDelay: 0,
  retryMaxDelay: 0,
  maxRetries: 0,
  laneBatchSize: 1,
  laneIdleTimeout: 0,
  maxResidentLanes: 0,
  resultRetention: 0,
  statsWindow: 1,
};

/**
 * Longest delay Node's timers honour (2^31 - 1 ms, about 24.8 days); a longer one fires after
 * 1 ms instead, so the millisecond options are capped here.
 */
export const MAX_DELAY = 2_147_483_647;

/** The options that are delays or windows in ms, capped at {@link MAX_DELAY}. */
const MILLISECONDS: ReadonlySet<keyof ResolvedExecutorOptions> = new Set([
  'jobTimeout',
  'retryBaseDelay',
  'retryMaxDelay',
  'laneIdleTimeout',
  'statsWindow',
]);

/**
 * Merges `options` over `base` (the defaults unless given) and rejects a bad value naming the
 * option and the value received.
 */
export function resolveOptions(
  options: ExecutorOptions = {},
  base: ResolvedExecutorOptions = DEFAULTS,
): ResolvedExecutorOptions {
  if (!isOptionsObject(options)) {
    throw new ConfigError('config', `expected an object, got ${describe(options)}`);
  }
  const resolved = { ...base };
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(MINIMUM, key)) throw unknownOption(key, Object.keys(MINIMUM));
    if (value === undefined) continue;
    const name = key as keyof ResolvedExecutorOptions;
    const min = MINIMUM[name];
    const max = MILLISECONDS.has(name) ? MAX_DELAY : Number.POSITIVE_INFINITY;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range =
        max === MAX_DELAY ? `an integer from ${min} to ${MAX_DELAY} (ms)` : `an integer ≥ ${min}`;
      throw new ConfigError(name, `expected \`${name}\` to be ${range}, got ${describe(value)}`);
    }
    resolved[name] = value;
  }
  if (resolved.retryMaxDelay < resolved.retryBaseDelay) {
    throw new ConfigError(
      'retryMaxDelay',
      `expected \`retryMaxDelay\` (${resolved.retryMaxDelay}) ≥ \`retryBaseDelay\` (${resolved.retryBaseDelay})`,
    );
  }
  return resolved;
}

/**
 * What `start(config)` does with a manager that is running already: `config` is validated, and
 * a value that would change a running option is refused (naming it), since the running
 * executor keeps the options it started with; the same values, or none, are a no-op.
 * @throws ConfigError naming the option.
 */
export function checkRunningOptions(config: unknown, running: ResolvedExecutorOptions): void {
  const next = resolveOptions(config as ExecutorOptions, running);
  for (const name of Object.keys(MINIMUM) as (keyof ResolvedExecutorOptions)[]) {
    if (next[name] !== running[name]) {
      throw new ConfigError(
        name,
        `the executor is running with \`${name}\` ${running[name]}, and options cannot change while it runs; stop() it, then start({ ${name}: ${next[name]} })`,
      );
    }
  }
}

/**
 * Whether `options` can be an options object: a plain object (an array, a Date or a class
 * instance is refused rather than read as "no options").
 */
export function isOptionsObject(options: unknown): options is Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return false;
  const proto: unknown = Object.getPrototypeOf(options);
  return proto === Object.prototype || proto === null;
}

/** The error of an unknown option `key`, quoted and cut however long it is. */
export function unknownOption(key: string, known: readonly string[], base = ''): ConfigError {
  return new ConfigError(
    propertyPath(base, key),
    `unknown option ${quote(key)}; expected one of ${known.join(', ')}`,
  );
}

/**
 * A received value for an error message: strings quoted (and cut past 60 characters), other
 * primitives as written, arrays as such, anything else by its type.
 */
export function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
