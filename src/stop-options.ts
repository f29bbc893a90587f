/**
 * The options of `reactor.stop()`: pg-boss's `{ graceful, timeout }`, or the boolean of the
 * executor interface (`stop(false)` aborts at once).
 * @module
 */
import { ConfigError } from './errors.js';
import { describe, isOptionsObject, MAX_DELAY, unknownOption } from './options.js';

/** How `reactor.stop()` stops the executor. */
export type StopOptions = {
  /**
   * Let running attempts finish (their jobs complete or go back to the queue) rather than abort
   * them (`GRACEFUL_ABORT`, their jobs go back to pending). @default true
   */
  graceful?: boolean;
  /**
   * With `graceful`, milliseconds to wait for running attempts before aborting the ones left.
   * @default none: wait for them (each attempt is bounded by `jobTimeout` anyway)
   */
  timeout?: number;
};

/** Reads `stop()`'s argument. @throws ConfigError naming the option. */
export function stopOptions(options: StopOptions | boolean | undefined): {
  graceful: boolean;
  timeout: number | undefined;
} {
  if (options === undefined) return { graceful: true, timeout: undefined };
  if (typeof options === 'boolean') return { graceful: options, timeout: undefined };
  if (!isOptionsObject(options)) {
    throw new ConfigError(
      'stop',
      `expected a boolean or { graceful?, timeout? }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== 'graceful' && key !== 'timeout') {
      throw unknownOption(key, ['graceful', 'timeout'], 'stop');
    }
  }
  const { graceful = true, timeout } = options;
  if (typeof graceful !== 'boolean') {
    throw new ConfigError(
      'stop.graceful',
      `expected \`graceful\` to be a boolean, got ${describe(graceful)}`,
    );
  }
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' ||
      !Number.isInteger(timeout) ||
      timeout < 0 ||
      timeout > MAX_DELAY)
  ) {
    throw new ConfigError(
      'stop.timeout',
      `expected \`timeout\` to be an integer from 0 to ${MAX_DELAY} (ms), got ${describe(timeout)}`,
    );
  }
  return { graceful, timeout };
}
