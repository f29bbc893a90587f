/**
 * Checks the runtime's hooks and identity options (`laneFailurePolicy`, `random`, `onError`,
 * `runnerId`, `clock`) at the boundary, naming the option and the value received. Shared by
 * `createReactor` and `new JobExecutorManager`.
 * @module
 */
import { ConfigError } from './errors.js';
import { describe } from './options.js';

export type RuntimeOptions = {
  laneFailurePolicy?: unknown;
  random?: unknown;
  onError?: unknown;
  runnerId?: unknown;
  clock?: unknown;
};

/** @throws ConfigError naming the first wrong option. */
export function checkRuntimeOptions(options: RuntimeOptions): void {
  const { laneFailurePolicy, random, onError, runnerId, clock } = options;
  if (
    laneFailurePolicy !== undefined &&
    laneFailurePolicy !== 'continue' &&
    laneFailurePolicy !== 'halt'
  ) {
    throw new ConfigError(
      'laneFailurePolicy',
      `expected \`laneFailurePolicy\` to be 'continue' or 'halt', got ${describe(laneFailurePolicy)}`,
    );
  }
  for (const [name, value] of [
    ['random', random],
    ['onError', onError],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw new ConfigError(name, `expected \`${name}\` to be a function, got ${describe(value)}`);
    }
  }
  if (runnerId !== undefined && (typeof runnerId !== 'string' || runnerId === '')) {
    throw new ConfigError(
      'runnerId',
      `expected \`runnerId\` to be a non-empty string, got ${describe(runnerId)}`,
    );
  }
  if (clock !== undefined) {
    const expected = 'expected `clock` to be an object with now(), setTimeout() and clearTimeout()';
    if (clock === null || typeof clock !== 'object') {
      throw new ConfigError('clock', `${expected}, got ${describe(clock)}`);
    }
    const methods = clock as Record<string, unknown>;
    const missing = (['now', 'setTimeout', 'clearTimeout'] as const).filter(
      (method) => typeof methods[method] !== 'function',
    );
    if (missing.length > 0) {
      const without = missing.map((method) => `${method}()`).join(', ');
      throw new ConfigError('clock', `${expected}, got an object without ${without}`);
    }
  }
}
