/**
 * `createReactor`'s own options (README, Configuration): a config error is a `ConfigError`, not a
 * job's `JobValidationError`; an unknown top-level key is rejected, naming it; PostgreSQL storage
 * is opened at creation, so an unreachable server fails there with a clear message.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { counterModel } from '../../src/examples/index.js';
import {
  ConfigError,
  createReactor,
  JobValidationError,
  StorageUnavailableError,
} from '../../src/index.js';

describe('createReactor options', () => {
  it('rejects a bad config value with a ConfigError, not a JobValidationError', async () => {
    const created = createReactor({ models: [counterModel], config: { maxConcurrency: 0 } });
    await expect(created).rejects.toBeInstanceOf(ConfigError);
    await expect(created).rejects.not.toBeInstanceOf(JobValidationError);
    await expect(created).rejects.toMatchObject({
      name: 'ConfigError',
      option: 'maxConcurrency',
      message: 'Invalid `maxConcurrency`: expected `maxConcurrency` to be an integer ≥ 1, got 0',
    });
  });

  it('rejects an unknown top-level option, naming it and the known ones', async () => {
    const created = createReactor({
      models: [counterModel],
      // @ts-expect-error a typo of `config`
      confg: { maxConcurrency: 4 },
    });
    await expect(created).rejects.toThrow(
      new ConfigError(
        'confg',
        'unknown option "confg"; expected one of models, storage, config, clock, inspect, authorizer, verifier, sync, laneFailurePolicy, bus, random, runnerId, onError, scheduleStore, telemetry',
      ),
    );
  });
});

describe('createReactor with PostgreSQL storage', () => {
  it('fails at creation when the server is unreachable, naming the address without the password', async () => {
    // A port nothing listens on: take a free one and close it again.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));

    const created = createReactor({
      models: [counterModel],
      storage: { postgres: `postgres://someone:secret@127.0.0.1:${port}/db` },
    });
    await expect(created).rejects.toBeInstanceOf(StorageUnavailableError);
    const error = (await created.catch((reason: unknown) => reason)) as Error;
    expect(error.message).toContain(
      `Could not open PostgreSQL storage at postgres://someone:***@127.0.0.1:${port}/db: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(error.message).not.toContain('secret');
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
