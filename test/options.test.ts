import { describe, expect, it } from 'vitest';
import { resolvePostgresOptions } from '../src/adapters/postgres/index.js';
import { resolveSqliteOptions } from '../src/adapters/sqlite/index.js';
import { counterModel } from '../src/examples/index.js';
import { ConfigError, createReactor, resolveOptions } from '../src/index.js';
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
        new ConfigError(
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

describe('hostile options', () => {
  const huge = 'k'.repeat(1_000_000);

  it.each([
    ['resolveOptions', (o: object) => resolveOptions(o)],
    ['resolveSqliteOptions', (o: object) => resolveSqliteOptions(o)],
    ['resolvePostgresOptions', (o: object) => resolvePostgresOptions(o)],
  ])('%s quotes an unknown key and cuts a long one', (_name, resolve) => {
    const error = (() => {
      try {
        resolve({ [huge]: 1 });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a rejection');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.length).toBeLessThan(400);
    expect(error.field.length).toBeLessThan(80);
    expect(error.message).toContain(`unknown option "${'k'.repeat(60)}"…`);
    expect(() => resolve({ toString: 1 })).toThrow('unknown option "toString"');
  });

  it('rejects an array or a class instance as options, in createReactor and in start', async () => {
    expect(() => resolveOptions([] as never)).toThrow(
      new ConfigError('config', 'expected an object, got an array'),
    );
    await expect(
      createReactor({ models: [counterModel], config: [] as never }),
    ).rejects.toMatchObject({ field: 'config' });
    expect(() => resolveSqliteOptions(new Date() as never)).toThrow(ConfigError);
    const reactor = await createReactor({ models: [counterModel], clock: new SimulatedClock() });
    await expect(reactor.start([] as never)).rejects.toMatchObject({ field: 'config' });
    await reactor.close();
  });

  it('validates the config of start on a running reactor, and refuses to change it', async () => {
    const reactor = await createReactor({ models: [counterModel], clock: new SimulatedClock() });
    await reactor.start({ maxConcurrency: 4 });
    await expect(reactor.start({ maxConcurrency: 0 })).rejects.toMatchObject({
      field: 'maxConcurrency',
      message: expect.stringContaining('integer ≥ 1, got 0'),
    });
    await expect(reactor.start({ maxConcurrency: 8 })).rejects.toThrow(
      'Invalid `maxConcurrency`: the executor is running with `maxConcurrency` 4, and options cannot change while it runs; stop() it, then start({ maxConcurrency: 8 })',
    );
    // The same values, or none, are a no-op.
    await reactor.start({ maxConcurrency: 4 });
    await reactor.start();
    await reactor.stop();
    // Once stopped, start applies a new config.
    await reactor.start({ maxConcurrency: 8 });
    await reactor.close();
  });
});
