import { describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import {
  createPostgresStorage,
  POSTGRES_DEFAULTS,
  resolvePostgresOptions,
} from '../../src/adapters/postgres/index.js';
import { systemClock } from '../../src/clock.js';
import { ConfigError } from '../../src/errors.js';

function rejection(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('postgres storage options', () => {
  it('defaults every option', () => {
    expect(resolvePostgresOptions()).toEqual({
      schema: 'seriatim',
      poolSize: 10,
      pollInterval: 1_000,
      heartbeatInterval: 10_000,
      stalledThreshold: 60_000,
      reapInterval: 30_000,
      maxReapBatch: 100,
      maxRetries: 3,
      onError: POSTGRES_DEFAULTS.onError,
    });
    expect(resolvePostgresOptions({})).toEqual(POSTGRES_DEFAULTS);
  });

  it('caps the millisecond options at 2147483647 (a longer Node timer fires after 1 ms)', () => {
    const error = rejection(() => resolvePostgresOptions({ heartbeatInterval: 2 ** 31 }));
    expect(error.field).toBe('heartbeatInterval');
    expect(error.message).toContain('an integer from 1 to 2147483647, got 2147483648');
  });

  it('keeps given values', () => {
    expect(resolvePostgresOptions({ schema: 'jobs_2', maxReapBatch: 5 })).toMatchObject({
      schema: 'jobs_2',
      maxReapBatch: 5,
    });
  });

  it.each([
    ['poolSize', 0],
    ['pollInterval', 1.5],
    ['heartbeatInterval', -1],
    ['reapInterval', '1000'],
    ['maxReapBatch', Number.NaN],
    ['maxRetries', -1],
    ['onError', 'log'],
  ])('rejects %s = %s naming the option and the value', (name, value) => {
    const error = rejection(() => resolvePostgresOptions({ [name]: value }));
    expect(error.field).toBe(name);
    expect(error.message).toContain(`\`${name}\``);
    expect(error.message).toContain(typeof value === 'string' ? `"${value}"` : String(value));
  });

  it("takes the storage context's maxRetries and onError unless an option of its own is given", () => {
    const fromContext = () => {};
    const own = () => {};
    expect(resolvePostgresOptions({}, { maxRetries: 7, onError: fromContext })).toMatchObject({
      maxRetries: 7,
      onError: fromContext,
    });
    expect(
      resolvePostgresOptions(
        { maxRetries: 1, onError: own },
        { maxRetries: 7, onError: fromContext },
      ),
    ).toMatchObject({ maxRetries: 1, onError: own });
  });

  it.each(['Seriatim', 'a-b', '1abc', '', 'x'.repeat(64)])('rejects schema %j', (schema) => {
    expect(rejection(() => resolvePostgresOptions({ schema })).field).toBe('schema');
  });

  it('rejects an unknown option', () => {
    expect(rejection(() => resolvePostgresOptions({ pollInterva: 5 } as never)).field).toBe(
      'pollInterva',
    );
  });

  it('rejects a stalledThreshold that live heartbeats could miss', () => {
    const error = rejection(() =>
      resolvePostgresOptions({ heartbeatInterval: 5_000, stalledThreshold: 5_000 }),
    );
    expect(error.field).toBe('stalledThreshold');
  });

  it('createPostgresStorage checks the connection string and options before connecting', () => {
    const ctx = { bus: new MemoryEventBus(), clock: systemClock, runnerId: 'r' };
    expect(rejection(() => createPostgresStorage('', ctx)).field).toBe('connectionString');
    expect(
      rejection(() => createPostgresStorage('postgres://localhost/x', ctx, { poolSize: 0 })).field,
    ).toBe('poolSize');
  });
});
