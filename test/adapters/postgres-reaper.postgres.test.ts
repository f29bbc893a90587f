/**
 * PostgreSQL-only: heartbeats, the reaper, and what a runner written off by the reaper can still
 * do (nothing). Time is a `SimulatedClock`: claims, heartbeats and the reaper all read it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Claim, ClaimRef } from '../../src/adapters/ports.js';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import { REAPER_LOCK_CLASS } from '../../src/adapters/postgres/postgres-migrator.js';
import { JobErrorCodes, StaleClaimError } from '../../src/errors.js';
import { JobStatus } from '../../src/types.js';
import { jobInput, makeOperations, T0 } from '../conformance/fixtures.js';
import { nextDue } from '../support/clock.js';
import {
  adminPool,
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  query,
  schemaName,
} from '../support/postgres.js';

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });
const STALLED = 60_000;

describe.skipIf(!hasPostgres)('postgres reaper', () => {
  let schema: string;
  let clock: SimulatedClock;
  let storages: PostgresStorage[];

  function open(options = {}): PostgresStorage {
    const storage = openStorage(
      schema,
      { clock },
      { poolSize: 3, stalledThreshold: STALLED, heartbeatInterval: 10_000, ...options },
    );
    storages.push(storage);
    return storage;
  }

  beforeEach(() => {
    schema = schemaName('reaper');
    clock = new SimulatedClock();
    clock.set(T0);
    storages = [];
  });
  afterEach(async () => {
    await Promise.all(storages.map((storage) => storage.close()));
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  /** Enqueues `doc-1/a` jobs `first`, `second` and claims `first` on `dead`. */
  async function deadRunnerHoldsFirst(dead: PostgresStorage): Promise<Claim> {
    await dead.queue.enqueue(jobInput('doc-1', ['a'], { id: 'first' }));
    await dead.queue.enqueue(jobInput('doc-1', ['a'], { id: 'second' }));
    const [claim] = await dead.queue.claim('dead-runner', 10);
    expect(claim?.job.id).toBe('first');
    return claim as Claim;
  }

  it('leaves claims alone until their heartbeat is older than stalledThreshold', async () => {
    const dead = open();
    await deadRunnerHoldsFirst(dead);
    clock.increment(STALLED);
    expect(await open().reaper.reap()).toBe(0);
    expect(await dead.queue.get('first')).toMatchObject({ status: JobStatus.RUNNING });
  });

  it('returns a stalled claim to pending in its place, its attempt counted', async () => {
    const dead = open();
    const live = open();
    await deadRunnerHoldsFirst(dead);
    clock.increment(STALLED + 1);

    expect(await live.reaper.reap()).toBe(1);

    expect(await live.queue.get('first')).toMatchObject({
      status: JobStatus.PENDING,
      attempts: 1,
    });
    const [again] = await live.queue.claim('live-runner', 10);
    expect(again?.job).toMatchObject({ id: 'first', attempts: 2 }); // still ahead of `second`
  });

  it('returns a stalled flagged claim to pending whatever its attempts (its write may be stored)', async () => {
    const dead = open();
    const live = open();
    await dead.queue.enqueue(jobInput('doc-1', ['a'], { id: 'first', maxRetries: 0 }));
    await dead.queue.enqueue(jobInput('doc-1', ['a'], { id: 'second' }));
    const [claim] = await dead.queue.claim('dead-runner', 1);
    await dead.queue.release(ref(claim as Claim), 1, { outcomeUnknown: true });
    const [again] = await dead.queue.claim('dead-runner', 1);
    expect(again?.job).toMatchObject({ id: 'first', attempts: 2, outcomeUnknown: true });
    clock.increment(STALLED + 1);

    expect(await live.reaper.reap()).toBe(1);

    expect(await live.queue.get('first')).toMatchObject({
      status: JobStatus.PENDING,
      attempts: 2,
      outcomeUnknown: true,
    });
    const [third] = await live.queue.claim('live-runner', 10);
    expect(third?.job).toMatchObject({ id: 'first', attempts: 3, outcomeUnknown: true });
    await live.queue.fail(ref(third as Claim), { attempts: 3, errorCode: 1, errorMessage: 'x' });
    expect((await live.queue.get('first'))?.outcomeUnknown).toBeUndefined();
    expect((await live.queue.claim('live-runner', 10)).map((c) => c.job.id)).toEqual(['second']);
  });

  it('fails a stalled claim on its last attempt with TIMEOUT and frees its lanes', async () => {
    const dead = open();
    const live = open();
    await dead.queue.enqueue(jobInput('doc-1', ['a', 'b'], { id: 'first', maxRetries: 0 }));
    await dead.queue.enqueue(jobInput('doc-1', ['b'], { id: 'second' }));
    await dead.queue.claim('dead-runner', 10);
    clock.increment(STALLED + 1);

    expect(await live.reaper.reap()).toBe(1);

    const failed = await live.queue.get('first');
    expect(failed).toMatchObject({
      status: JobStatus.FAILED,
      attempts: 1,
      finishedAt: T0 + STALLED + 1,
      lastError: { code: JobErrorCodes.TIMEOUT },
    });
    expect(failed?.lastError?.message).toContain('dead-runner');
    expect((await live.queue.claim('live-runner', 10)).map((c) => c.job.id)).toEqual(['second']);
  });

  it('counts 4 attempts for a job without maxRetries (the default 3 retries)', async () => {
    const dead = open();
    await dead.queue.enqueue(jobInput('doc-1', ['a'], { id: 'first' }));
    for (let attempt = 1; attempt <= 4; attempt++) {
      const [claim] = await dead.queue.claim('dead-runner', 1);
      expect(claim?.job.attempts).toBe(attempt);
      clock.increment(STALLED + 1);
      expect(await dead.reaper.reap()).toBe(1);
    }
    expect(await dead.queue.get('first')).toMatchObject({ status: JobStatus.FAILED, attempts: 4 });
  });

  describe('a runner written off by the reaper', () => {
    it('cannot complete, fail, release or heartbeat its old claim', async () => {
      const dead = open();
      const claim = await deadRunnerHoldsFirst(dead);
      clock.increment(STALLED + 1);
      await open().reaper.reap();
      const before = await dead.queue.get('first');

      for (const call of [
        () => dead.queue.complete(ref(claim), 1),
        () => dead.queue.fail(ref(claim), { attempts: 1, errorCode: 1, errorMessage: 'x' }),
        () => dead.queue.release(ref(claim), 1),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(StaleClaimError);
      }
      expect(await dead.queue.heartbeat()).toBe(0);
      expect(await dead.queue.get('first')).toEqual(before);
    });

    it('cannot complete through store.append: refused, nothing written', async () => {
      const dead = open();
      const live = open();
      const claim = await deadRunnerHoldsFirst(dead);
      clock.increment(STALLED + 1);
      await live.reaper.reap();

      const error = await dead.store
        .append({
          documentId: 'doc-1',
          branch: 'main',
          lanes: [
            {
              scope: 'a',
              expectedHead: -1,
              operations: makeOperations('a', 0, 2),
              snapshot: { state: { n: 2 }, hash: 'h' },
            },
          ],
          claim: ref(claim),
        })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StaleClaimError);
      expect(await live.store.getHead('doc-1', 'a', 'main')).toBe(-1);
      expect(await live.store.getSnapshot('doc-1', 'a', 'main')).toBeUndefined();
      expect(await live.queue.get('first')).toMatchObject({ status: JobStatus.PENDING });
    });

    it('cannot complete the job after another runner claimed it again', async () => {
      const dead = open();
      const live = open();
      const claim = await deadRunnerHoldsFirst(dead);
      clock.increment(STALLED + 1);
      await live.reaper.reap();
      const [again] = await live.queue.claim('live-runner', 1);

      await expect(dead.queue.complete(ref(claim), 1)).rejects.toBeInstanceOf(StaleClaimError);
      await live.queue.complete(ref(again as Claim), 2);
      expect(await live.queue.get('first')).toMatchObject({
        status: JobStatus.COMPLETED,
        attempts: 2,
      });
    });
  });

  it('heartbeats keep the claims of a started storage alive', async () => {
    // Only the heartbeat timer runs in this test (polling and reaping are far off).
    const runner = open({
      heartbeatInterval: 10_000,
      pollInterval: 10 ** 9,
      reapInterval: 10 ** 9,
    });
    await runner.start();
    await deadRunnerHoldsFirst(runner);
    const heartbeatAt = async () =>
      Number(
        (
          await query<{ h: string }>(
            schema,
            "SELECT heartbeat_at AS h FROM jobs WHERE id = 'first'",
          )
        )[0]?.h,
      );

    for (let beat = 1; beat <= 8; beat++) {
      // Wait until the next heartbeat is scheduled, then let it come due.
      await vi.waitFor(() => expect(nextDue(clock)).toBe(clock.now() + 10_000));
      clock.increment(10_000);
      await vi.waitFor(async () => expect(await heartbeatAt()).toBe(clock.now()));
    }

    expect(clock.now() - T0).toBeGreaterThan(STALLED);
    expect(await open().reaper.reap()).toBe(0);
    expect(await runner.queue.get('first')).toMatchObject({ status: JobStatus.RUNNING });
  });

  it('reaps at most maxReapBatch claims per run, oldest heartbeat first', async () => {
    const dead = open();
    await dead.queue.enqueueMany(
      Array.from({ length: 5 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `j${i}` })),
    );
    for (let i = 0; i < 5; i++) {
      await dead.queue.claim('dead-runner', 1);
      clock.increment(1);
    }
    clock.increment(STALLED);
    const reaper = open({ maxReapBatch: 2 }).reaper;

    expect(await reaper.reap()).toBe(2);
    expect((await dead.queue.get('j0'))?.status).toBe(JobStatus.PENDING);
    expect((await dead.queue.get('j2'))?.status).toBe(JobStatus.RUNNING);
    expect(await reaper.reap()).toBe(2);
    expect(await reaper.reap()).toBe(1);
    expect(await reaper.reap()).toBe(0);
  });

  it('reaps in one process at a time: the others skip while the lock is held', async () => {
    const dead = open();
    await deadRunnerHoldsFirst(dead);
    clock.increment(STALLED + 1);
    const other = await adminPool().connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [
        REAPER_LOCK_CLASS,
        schema,
      ]);
      expect(await open().reaper.reap()).toBe(0);
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    expect(await open().reaper.reap()).toBe(1);
  });
});
