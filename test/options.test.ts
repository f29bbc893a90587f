import { describe, expect, it } from 'vitest';
import { counterModel } from '../src/examples/index.js';
import { createReactor, JobValidationError, resolveOptions } from '../src/index.js';
import { SimulatedClock } from './support/clock.js';

/** The millisecond options with their minimum. */
const MILLISECOND_OPTIONS = [
  ['jobTimeout', 1],
  ['retryBaseDelay', 0],
  ['retryMaxDelay', 0],
  ['laneIdleTimeout', 0],
  ['statsWindow', 1],
] as const;

describe('executor options', () => {
  it.each(MILLISECOND_OPTIONS)(
    'rejects `%s` above 2147483647 ms (Node fires longer timers after 1 ms), naming the option and the cap',
    (name, min) => {
      // retryMaxDelay must stay ≥ retryBaseDelay, so the base is raised along with it.
      const base = name === 'retryMaxDelay' ? {} : { retryMaxDelay: 2 ** 31 - 1 };
      expect(() => resolveOptions({ ...base, [name]: 2 ** 31 })).toThrow(
        new JobValidationError(
          name,
          `expected \`${name}\` to be an integer from ${min} to 2147483647 (ms), got 2147483648`,
        ),
      );
      expect(resolveOptions({ ...base, [name]: 2 ** 31 - 1 })[name]).toBe(2 ** 31 - 1);
    },
  );

  it('keeps the message of the other bounds, and no cap on counts', () => {
    expect(() => resolveOptions({ maxConcurrency: 0 })).toThrow(
      'Invalid `maxConcurrency`: expected `maxConcurrency` to be an integer ≥ 1, got 0',
    );
    expect(() => resolveOptions({ jobTimeout: 0 })).toThrow(
      'Invalid `jobTimeout`: expected `jobTimeout` to be an integer from 1 to 2147483647 (ms), got 0',
    );
    expect(resolveOptions({ resultRetention: 2 ** 40 }).resultRetention).toBe(2 ** 40);
  });

  it('rejects a delay past the cap in createReactor and in start, before anything runs', async () => {
    await expect(
      createReactor({ models: [counterModel], config: { jobTimeout: 2 ** 31 } }),
    ).rejects.toMatchObject({ field: 'jobTimeout' });
    const reactor = await createReactor({ models: [counterModel], clock: new SimulatedClock() });
    await expect(reactor.start({ laneIdleTimeout: 2 ** 31 })).rejects.toMatchObject({
      field: 'laneIdleTimeout',
      message: expect.stringContaining('2147483647'),
    });
    await reactor.close();
  });
});
