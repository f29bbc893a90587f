/**
 * What `createReactor` hands its storage (README: Storage adapters): the reaper's retry limit is
 * the reactor's `config.maxRetries`, and the errors of the storage's background work go to the
 * reactor's `onError`, on SQLite and PostgreSQL alike. Time is a `SimulatedClock`; the failures
 * are real ones (a write lock held by another connection, a terminated LISTEN connection).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Storage, StorageContext } from '../../src/adapters/ports.js';
import { connectPostgresStorage, type PostgresStorage } from '../../src/adapters/postgres/index.js';
import { createSqliteStorage, type SqliteStorage } from '../../src/adapters/sqlite/index.js';
import { JobErrorCodes } from '../../src/errors.js';
import { counterModel } from '../../src/examples/index.js';
import { createReactor, type Reactor } from '../../src/index.js';
import { JobStatus } from '../../src/types.js';
import { jobInput, T0 } from '../conformance/fixtures.js';
import {
  adminPool,
  closeAdmin,
  dropSchema,
  hasPostgres,
  PG_URL,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';
import { openRaw } from '../support/sqlite-inspect.js';

/** The storages' default `stalledThreshold`: a claim silent for longer is reaped. */
const STALLED = 60_000;

type Opened<S extends Storage> = { reactor: Reactor; storage: S };

/**
 * Claims `job` on a runner that never beats and lets the reaper take it back, once per attempt,
 * until it fails: the attempts it got before failing.
 */
async function attemptsUntilReapedToFailed(reactor: Reactor, clock: SimulatedClock) {
  await reactor.queue.enqueue(jobInput('doc-1', ['a'], { id: 'job' })); // no maxRetries of its own
  for (let attempt = 1; attempt <= 10; attempt++) {
    const [claim] = await reactor.queue.claim('dead-runner', 1);
    expect(claim?.job.attempts).toBe(attempt);
    clock.increment(STALLED + 1);
    expect(await reactor.reaper?.reap()).toBe(1);
    const job = await reactor.queue.get('job');
    if (job?.status === JobStatus.FAILED) {
      expect(job.lastError?.code).toBe(JobErrorCodes.TIMEOUT);
      return attempt;
    }
    expect(job?.status).toBe(JobStatus.PENDING);
  }
  throw new Error('the reaper never failed the job');
}

describe('createReactor ({ sqlite }) passes its maxRetries and onError to the storage', () => {
  let path: string;
  let clock: SimulatedClock;
  let reactors: Reactor[];

  beforeEach(() => {
    path = tempDbPath();
    clock = new SimulatedClock();
    clock.set(T0);
    reactors = [];
  });
  afterEach(async () => {
    for (const reactor of reactors) await reactor.close();
    removeDb(path);
  });

  it.each([1, 4])(
    'reaps a job without maxRetries of its own to FAILED after config.maxRetries = %i retries',
    async (maxRetries) => {
      const reactor = await createReactor({
        models: [counterModel],
        storage: { sqlite: path },
        config: { maxRetries },
        clock,
      });
      reactors.push(reactor);
      expect(await attemptsUntilReapedToFailed(reactor, clock)).toBe(maxRetries + 1);
    },
  );

  /** A reactor over the SQLite storage `factory` makes of the reactor's storage context. */
  async function open(
    factory: (ctx: StorageContext) => SqliteStorage,
    onError: (error: unknown) => void,
  ): Promise<Opened<SqliteStorage>> {
    let opened: SqliteStorage | undefined;
    const reactor = await createReactor({
      models: [counterModel],
      storage: (ctx) => {
        opened = factory(ctx);
        return opened;
      },
      clock,
      onError,
    });
    reactors.push(reactor);
    return { reactor, storage: opened as SqliteStorage };
  }

  it("reports a failed heartbeat to the reactor's onError", async () => {
    const errors: unknown[] = [];
    const { reactor, storage } = await open(
      (ctx) => createSqliteStorage(path, ctx, { busyTimeout: 0 }),
      (error) => errors.push(error),
    );
    await reactor.queue.enqueue(jobInput('doc-1', ['a']));
    await reactor.queue.claim('r', 1); // a claim of this storage: the heartbeat writes it
    await storage.start?.();
    // Another connection holds the write lock past the busy timeout: the heartbeat fails with BUSY.
    const db = openRaw(path);
    db.exec('BEGIN IMMEDIATE');
    clock.increment(10_000);
    db.exec('COMMIT');
    db.close();
    expect(errors.map((error) => (error as { code?: string }).code)).toContain('SQLITE_BUSY');
  });
});

describe.skipIf(!hasPostgres)(
  'createReactor (PostgreSQL storage) passes its maxRetries and onError to the storage',
  () => {
    let schema: string;
    let clock: SimulatedClock;
    let reactors: Reactor[];

    beforeEach(() => {
      schema = schemaName('ctx');
      clock = new SimulatedClock();
      clock.set(T0);
      reactors = [];
    });
    afterEach(async () => {
      for (const reactor of reactors) await reactor.close();
      await dropSchema(schema);
    });
    afterAll(closeAdmin);

    async function open(
      options: { maxRetries?: number; onError?: (error: unknown) => void } = {},
    ): Promise<Opened<PostgresStorage>> {
      let opened: PostgresStorage | undefined;
      const reactor = await createReactor({
        models: [counterModel],
        storage: async (ctx) => {
          opened = await connectPostgresStorage(PG_URL as string, ctx, { schema });
          return opened;
        },
        config: options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries },
        clock,
        runnerId: schema,
        ...(options.onError ? { onError: options.onError } : {}),
      });
      reactors.push(reactor);
      return { reactor, storage: opened as PostgresStorage };
    }

    it.each([1, 4])(
      'reaps a job without maxRetries of its own to FAILED after config.maxRetries = %i retries',
      async (maxRetries) => {
        const { reactor } = await open({ maxRetries });
        expect(await attemptsUntilReapedToFailed(reactor, clock)).toBe(maxRetries + 1);
      },
    );

    it("reports the loss of the LISTEN connection to the reactor's onError", async () => {
      let reported!: (error: unknown) => void;
      const firstError = new Promise<unknown>((resolve) => {
        reported = resolve;
      });
      const { storage } = await open({ onError: (error) => reported(error) });
      await storage.start();
      const [row] = (
        await adminPool().query<{ terminated: boolean }>(
          'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1',
          [`seriatim listen ${schema}`],
        )
      ).rows;
      expect(row?.terminated).toBe(true);
      // 57P01: admin_shutdown, what a terminated backend reports to its client.
      expect(await firstError).toMatchObject({ code: '57P01' });
    });
  },
);
