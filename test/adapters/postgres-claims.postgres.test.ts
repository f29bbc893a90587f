/**
 * PostgreSQL-only claim behaviour: concurrent claimers on separate connections, batched and
 * fenced completion, and `store.append` completing its claim in the same transaction.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Claim, ClaimRef } from '../../src/adapters/ports.js';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import { MAX_LANE_LOCKS } from '../../src/adapters/postgres/postgres-queue.js';
import { StaleClaimError } from '../../src/errors.js';
import { laneKey } from '../../src/lane-key.js';
import { JobStatus, type Operation } from '../../src/types.js';
import { jobInput, makeOperations, T0 } from '../conformance/fixtures.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  query,
  schemaName,
} from '../support/postgres.js';

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });

describe.skipIf(!hasPostgres)('postgres claims', () => {
  let schema: string;
  let clock: SimulatedClock;
  let storages: PostgresStorage[];

  function open(): PostgresStorage {
    const storage = openStorage(schema, { clock }, { poolSize: 4 });
    storages.push(storage);
    return storage;
  }

  /**
   * Claims and completes until nothing is pending or running and `producing()` is false; fails
   * when nothing runs anywhere yet jobs stay pending (stuck). Appends the job ids it claims to
   * `ran` (shared by all claimers: the global claim order).
   */
  async function drain(
    storage: PostgresStorage,
    runner: string,
    producing: () => boolean,
    ran: string[],
  ): Promise<void> {
    for (;;) {
      const claims = await storage.queue.claim(runner, 4);
      if (claims.length === 0) {
        if (producing()) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        // One snapshot: nothing running and nothing claimable means nobody can make progress.
        const [state] = await query<{ running: number; pending: number; ready: number }>(
          schema,
          `SELECT count(*) FILTER (WHERE status = 'RUNNING')::int AS running,
                  count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
                  count(*) FILTER (WHERE status = 'PENDING' AND blockers = 0)::int AS ready
           FROM jobs`,
        );
        if (state?.pending === 0 && state.running === 0) return;
        if (state?.running === 0 && state.ready === 0) {
          const stuck = await query(
            schema,
            "SELECT id, blockers, (SELECT json_agg(l) FROM job_lanes l WHERE l.seq = j.seq) AS lanes FROM jobs j WHERE status = 'PENDING'",
          );
          throw new Error(`${state.pending} pending jobs are stuck: ${JSON.stringify(stuck)}`);
        }
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      ran.push(...claims.map((claim) => claim.job.id));
      await Promise.all(claims.map((claim) => storage.queue.complete(ref(claim), 1)));
    }
  }

  beforeEach(() => {
    schema = schemaName('claims');
    clock = new SimulatedClock();
    clock.set(T0);
    storages = [];
  });
  afterEach(async () => {
    await Promise.all(storages.map((storage) => storage.close()));
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  describe('concurrent claimers', () => {
    it('never hold two jobs of one lane at once and run each lane in enqueue order', async () => {
      // Arrange: 400 jobs over 20 lanes of 5 documents, a quarter of them on two lanes.
      const main = open();
      const inputs = Array.from({ length: 400 }, (_, i) => {
        const doc = `doc-${i % 5}`;
        const a = `s${i % 4}`;
        const scopes = i % 4 === 0 ? [a, `s${(i + 1) % 4}`] : [a];
        return jobInput(doc, scopes, { id: `job-${String(i).padStart(3, '0')}` });
      });
      await main.queue.enqueueMany(inputs.slice(0, 200));
      for (const input of inputs.slice(200)) await main.queue.enqueue(input);
      const expected = new Map<string, string[]>();
      for (const input of inputs) {
        for (const scope of input.scopes) {
          const key = laneKey(input.documentId, scope, 'main');
          expected.set(key, [...(expected.get(key) ?? []), input.id as string]);
        }
      }

      // Act: 4 claimers on their own pools claim and complete until nothing is left.
      const holder = new Map<string, string>();
      const ran = new Map<string, string[]>();
      const claimed: string[] = [];
      const violations: string[] = [];
      async function worker(storage: PostgresStorage, runner: string): Promise<void> {
        for (let idle = 0; idle < 50; ) {
          const claims = await storage.queue.claim(runner, 3);
          if (claims.length === 0) {
            idle++;
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
          idle = 0;
          for (const { job } of claims) {
            claimed.push(job.id);
            for (const scope of job.scopes) {
              const key = laneKey(job.documentId, scope, job.branch);
              const other = holder.get(key);
              if (other !== undefined) violations.push(`${job.id} and ${other} on ${key}`);
              holder.set(key, job.id);
              ran.set(key, [...(ran.get(key) ?? []), job.id]);
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
          for (const { job } of claims) {
            for (const scope of job.scopes)
              holder.delete(laneKey(job.documentId, scope, job.branch));
          }
          await Promise.all(claims.map((claim) => storage.queue.complete(ref(claim), 1)));
        }
      }
      await Promise.all(['r1', 'r2', 'r3', 'r4'].map((runner) => worker(open(), runner)));

      // Assert
      expect(violations).toEqual([]);
      expect(claimed).toHaveLength(400);
      expect(new Set(claimed).size).toBe(400);
      expect(Object.fromEntries(ran)).toEqual(Object.fromEntries(expected));
      expect(await main.queue.counts()).toEqual({
        pending: 0,
        running: 0,
        completed: 400,
        failed: 0,
      });
      const [lanes] = await query<{ n: number }>(
        schema,
        'SELECT count(*)::int AS n FROM job_lanes',
      );
      expect(lanes?.n).toBe(0);
    });
  });

  describe('enqueue while heads finish', () => {
    it('never loses a wake-up: jobs enqueued behind finishing heads all run, in order', async () => {
      // Arrange: producers keep appending to 10 lanes while consumers finish their heads, so
      // enqueue (counting blockers) and completion (unblocking successors) race on every lane.
      const producer = open();
      const expected = new Map<string, string[]>();
      let produced = 0;
      let producing = true;
      async function produce(p: number): Promise<void> {
        for (let i = 0; i < 60; i++) {
          const doc = `doc-${(i + p) % 5}`;
          const scopes = i % 5 === 0 ? ['a', 'b'] : [i % 2 === 0 ? 'a' : 'b'];
          const id = `p${p}-${i}`;
          await producer.queue.enqueue(jobInput(doc, scopes, { id }));
          for (const scope of scopes) {
            const key = `${doc}/${scope}`;
            expected.set(key, [...(expected.get(key) ?? []), id]);
          }
          produced += 1;
        }
      }
      // Act
      const order: string[] = [];
      const consumers = ['r1', 'r2', 'r3'].map((runner) =>
        drain(open(), runner, () => producing, order),
      );
      await Promise.all([0, 1, 2].map(produce));
      producing = false;
      await Promise.all(consumers);
      const ran = new Map<string, string[]>();
      const jobs = new Map(
        (
          await query<{ id: string; document_id: string; scopes: string[] }>(
            schema,
            'SELECT id, document_id, scopes FROM jobs',
          )
        ).map((job) => [job.id, job]),
      );
      for (const id of order) {
        const job = jobs.get(id);
        for (const scope of job?.scopes ?? []) {
          const key = `${job?.document_id}/${scope}`;
          ran.set(key, [...(ran.get(key) ?? []), id]);
        }
      }

      // Assert: all ran, each lane in enqueue order (per producer the order is its own; across
      // producers the queue's order is whatever enqueue committed first, so compare per lane
      // against the order the jobs hold in the table).
      expect(produced).toBe(180);
      const [row] = await query<{ pending: number; lanes: number; blocked: number }>(
        schema,
        `SELECT count(*) FILTER (WHERE status <> 'COMPLETED')::int AS pending,
                (SELECT count(*) FROM job_lanes)::int AS lanes,
                count(*) FILTER (WHERE blockers <> 0)::int AS blocked FROM jobs`,
      );
      expect(row).toEqual({ pending: 0, lanes: 0, blocked: 0 });
      const bySeq = await query<{ id: string; document_id: string; scopes: string[] }>(
        schema,
        'SELECT id, document_id, scopes FROM jobs ORDER BY seq',
      );
      const inSeqOrder = new Map<string, string[]>();
      for (const job of bySeq) {
        for (const scope of job.scopes) {
          const key = `${job.document_id}/${scope}`;
          inSeqOrder.set(key, [...(inSeqOrder.get(key) ?? []), job.id]);
        }
      }
      expect(Object.fromEntries(ran)).toEqual(Object.fromEntries(inSeqOrder));
      for (const [key, ids] of expected) {
        // Each producer's own jobs keep their relative order in every lane.
        for (const p of [0, 1, 2]) {
          const mine = (ran.get(key) ?? []).filter((id) => id.startsWith(`p${p}-`));
          expect(mine, key).toEqual(ids.filter((id) => id.startsWith(`p${p}-`)));
        }
      }
    });
  });

  describe('an enqueue batch over more lanes than the lock limit', () => {
    it('takes the lane barrier instead, and still never strands a job', async () => {
      // Arrange: busy heads on 50 lanes, then big batches (each over MAX_LANE_LOCKS + 50 lanes,
      // the busy ones among them) enqueued while consumers finish those heads.
      const producer = open();
      await producer.queue.enqueueMany(
        Array.from({ length: 50 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `head-${i}` })),
      );
      const batch = (b: number) =>
        Array.from({ length: MAX_LANE_LOCKS + 50 }, (_, i) =>
          jobInput(`doc-${i}`, i % 7 === 0 ? ['a', 'b'] : ['a'], { id: `b${b}-${i}` }),
        );
      let producing = true;

      // Act
      const ran: string[] = [];
      const consumers = ['r1', 'r2'].map((runner) => drain(open(), runner, () => producing, ran));
      for (const b of [0, 1, 2]) await producer.queue.enqueueMany(batch(b));
      producing = false;
      await Promise.all(consumers);

      // Assert
      expect(ran).toHaveLength(50 + 3 * (MAX_LANE_LOCKS + 50));
      const [row] = await query<{ unfinished: number; lanes: number }>(
        schema,
        `SELECT count(*) FILTER (WHERE status <> 'COMPLETED')::int AS unfinished,
                (SELECT count(*) FROM job_lanes)::int AS lanes FROM jobs`,
      );
      expect(row).toEqual({ unfinished: 0, lanes: 0 });
      const order = new Map(ran.map((id, i) => [id, i]));
      for (let i = 0; i < 50; i++) {
        const lane = [`head-${i}`, `b0-${i}`, `b1-${i}`, `b2-${i}`].map(
          (id) => order.get(id) ?? -1,
        );
        expect(lane, `doc-${i}`).toEqual([...lane].sort((x, y) => x - y));
      }
    });
  });

  describe('claimLane', () => {
    const lane = (scope: string, documentId = 'doc-1') => ({ documentId, scope, branch: 'main' });

    it("claims a lane's head when it is ready, as claim would", async () => {
      const { queue } = open();
      await queue.enqueueMany([
        jobInput('doc-1', ['a'], { id: 'first' }),
        jobInput('doc-1', ['a'], { id: 'second' }),
      ]);

      const claim = await queue.claimLane('r1', lane('a'));

      expect(claim?.job).toMatchObject({ id: 'first', status: JobStatus.RUNNING, attempts: 1 });
      expect(await queue.claimLane('r1', lane('a'))).toBeUndefined(); // its head is running
      await queue.complete(ref(claim as Claim), 1);
      expect((await queue.claimLane('r1', lane('a')))?.job.id).toBe('second');
    });

    it('returns undefined for an empty lane, a head blocked in another lane, or not due', async () => {
      const { queue } = open();
      await queue.enqueueMany([
        jobInput('doc-1', ['b'], { id: 'on-b' }),
        jobInput('doc-1', ['a', 'b'], { id: 'both' }),
        jobInput('doc-2', ['a'], { id: 'later', runAt: T0 + 1_000 }),
      ]);

      expect(await queue.claimLane('r1', lane('c'))).toBeUndefined();
      expect(await queue.claimLane('r1', lane('a'))).toBeUndefined(); // `both` waits for lane b
      expect(await queue.claimLane('r1', lane('a', 'doc-2'))).toBeUndefined();
      clock.increment(1_000);
      expect((await queue.claimLane('r1', lane('a', 'doc-2')))?.job.id).toBe('later');
    });

    it('answers the calls of one tick with one statement, a job heading two of their lanes once', async () => {
      const { queue } = open();
      await queue.enqueueMany([
        jobInput('doc-1', ['a', 'b'], { id: 'both' }),
        jobInput('doc-2', ['a'], { id: 'other' }),
      ]);

      const claims = await Promise.all([
        queue.claimLane('r1', lane('a')),
        queue.claimLane('r1', lane('b')),
        queue.claimLane('r1', lane('a', 'doc-2')),
        queue.claimLane('r1', lane('c')),
      ]);

      expect(claims.map((claim) => claim?.job.id)).toEqual(['both', undefined, 'other', undefined]);
      const [row] = await query<{ running: number }>(
        schema,
        "SELECT count(*)::int AS running FROM jobs WHERE status = 'RUNNING'",
      );
      expect(row?.running).toBe(2);
    });
  });

  describe('batched completion', () => {
    it('ends the calls of one tick together, answering each by its own token', async () => {
      const { queue } = open();
      await queue.enqueueMany(
        Array.from({ length: 6 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `j${i}` })),
      );
      await queue.enqueue(jobInput('doc-0', ['a'], { id: 'behind' }));
      const claims = await queue.claim('r1', 10);
      expect(claims).toHaveLength(6);
      const [c0, c1, c2, c3, c4, c5] = claims as [Claim, Claim, Claim, Claim, Claim, Claim];

      const outcomes = await Promise.allSettled([
        queue.complete(ref(c0), 1),
        queue.fail(ref(c1), { attempts: 1, errorCode: 90005, errorMessage: 'no' }),
        queue.fail(ref(c2), { attempts: 1, errorCode: 90003, errorMessage: 'hm', halt: true }),
        queue.release(ref(c3), 0),
        queue.complete({ jobId: c4.job.id, token: c5.token }, 1), // someone else's token
        queue.complete({ jobId: c5.job.id, token: 'not-a-uuid' }, 1),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'rejected',
      ]);
      for (const outcome of outcomes.slice(4)) {
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StaleClaimError);
      }
      expect(await queue.get('j0')).toMatchObject({ status: JobStatus.COMPLETED });
      expect(await queue.get('j1')).toMatchObject({ status: JobStatus.FAILED });
      expect(await queue.get('j2')).toMatchObject({ status: JobStatus.FAILED, halted: true });
      expect(await queue.get('j3')).toMatchObject({ status: JobStatus.PENDING, attempts: 0 });
      expect(await queue.get('j4')).toMatchObject({ status: JobStatus.RUNNING });
      expect(await queue.get('j5')).toMatchObject({ status: JobStatus.RUNNING });
      // j0 freed doc-0's lane, j3 went back in its place.
      expect((await queue.claim('r1', 10)).map((claim) => claim.job.id)).toEqual(['j3', 'behind']);
    });
    it('writes two batches at once; a job ended twice in a tick is written after its first end', async () => {
      const { queue } = open();
      await queue.enqueueMany(
        Array.from({ length: 6 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `j${i}` })),
      );
      await queue.enqueueMany(
        Array.from({ length: 6 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `behind-${i}` })),
      );
      const claims = (await queue.claim('r1', 10)) as Claim[];
      expect(claims.map((claim) => claim.job.id)).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
      const [c0, c1, c2, c3, c4, c5] = claims as [Claim, Claim, Claim, Claim, Claim, Claim];

      // One tick: j0-j3, then j4-j5 beside them, then the repeats once the first batch ended.
      const outcomes = await Promise.allSettled([
        queue.complete(ref(c0), 1),
        queue.release(ref(c1), 0),
        queue.fail(ref(c2), { attempts: 1, errorCode: 90005, errorMessage: 'no' }),
        queue.complete(ref(c3), 1),
        queue.complete(ref(c4), 1),
        queue.complete(ref(c5), 1),
        queue.complete(ref(c0), 1), // the same end again: confirmed
        queue.release(ref(c1), 0),
        queue.fail(ref(c2), { attempts: 1, errorCode: 90005, errorMessage: 'no' }),
        queue.release(ref(c3), 0), // ended the other way first: stale
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        ...Array(9).fill('fulfilled'),
        'rejected',
      ]);
      expect((outcomes[9] as PromiseRejectedResult).reason).toBeInstanceOf(StaleClaimError);
      expect(await queue.get('j3')).toMatchObject({ status: JobStatus.COMPLETED });
      // Each lane left once: no blocker counted off twice.
      const behind = await query<{ id: string; blockers: number }>(
        schema,
        "SELECT id, blockers FROM jobs WHERE id LIKE 'behind-%' ORDER BY id",
      );
      expect(behind.map((row) => row.blockers)).toEqual([0, 1, 0, 0, 0, 0]);
      expect((await queue.claim('r1', 10)).map((claim) => claim.job.id)).toEqual([
        'j1',
        'behind-0',
        'behind-2',
        'behind-3',
        'behind-4',
        'behind-5',
      ]);
    });
  });

  describe('store.append with a claim', () => {
    async function claimOne(storage: PostgresStorage, id = 'job-1'): Promise<Claim> {
      await storage.queue.enqueue(jobInput('doc-1', ['a'], { id }));
      const [claim] = await storage.queue.claim('r1', 1);
      return claim as Claim;
    }

    it('writes the operations and completes the job in one transaction', async () => {
      const storage = open();
      const claim = await claimOne(storage);
      await storage.queue.enqueue(jobInput('doc-1', ['a'], { id: 'next' }));
      const operations = makeOperations('a', 0, 2);

      await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [{ scope: 'a', expectedHead: -1, operations }],
        claim: ref(claim),
      });

      expect(await storage.store.getOperations('doc-1', 'a', 'main')).toEqual(operations);
      expect(await storage.queue.get('job-1')).toMatchObject({
        status: JobStatus.COMPLETED,
        finishedAt: T0,
      });
      // The lane moved on already, before the runtime's own complete.
      expect((await storage.queue.claim('r1', 5)).map((c) => c.job.id)).toEqual(['next']);
    });

    it("makes the runtime's later completes no-op successes, and a release stale", async () => {
      const storage = open();
      const claim = await claimOne(storage);
      await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }],
        claim: ref(claim),
      });

      await storage.queue.complete(ref(claim), 2);
      expect(await storage.queue.get('job-1')).toMatchObject({
        status: JobStatus.COMPLETED,
        attempts: 2,
      });
      await storage.queue.complete(ref(claim), 2);
      expect(await storage.queue.get('job-1')).toMatchObject({ status: JobStatus.COMPLETED });
      await expect(storage.queue.release(ref(claim), 2)).rejects.toBeInstanceOf(StaleClaimError);
    });

    it('completes the claim of a replay (operations stored by an earlier attempt)', async () => {
      const storage = open();
      const claim = await claimOne(storage);
      const lanes = [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }];
      await storage.store.append({ documentId: 'doc-1', branch: 'main', lanes });

      const result = await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes,
        claim: ref(claim),
      });

      expect(result.replayed).toBe(true);
      expect(await storage.queue.get('job-1')).toMatchObject({ status: JobStatus.COMPLETED });
    });

    it('completes a job flagged outcomeUnknown: the completed job reports no flag', async () => {
      const storage = open();
      const first = await claimOne(storage);
      await storage.queue.release(ref(first), 1, { outcomeUnknown: true });
      const [claim] = await storage.queue.claim('r1', 1);
      expect(claim?.job.outcomeUnknown).toBe(true);
      await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }],
        claim: ref(claim as Claim),
      });
      const completed = await storage.queue.get('job-1');
      expect(completed?.status).toBe(JobStatus.COMPLETED);
      expect(completed?.outcomeUnknown).toBeUndefined();
      await storage.queue.complete(ref(claim as Claim), 2);
      expect((await storage.queue.get('job-1'))?.outcomeUnknown).toBeUndefined();
    });

    it("keeps an operation's recorded error, written and replayed with a claim", async () => {
      const storage = open();
      const claim = await claimOne(storage);
      const [applied, rejected] = makeOperations('a', 0, 2) as [Operation, Operation];
      rejected.error = 'rejected by the reducer';
      const lanes = [{ scope: 'a', expectedHead: -1, operations: [applied, rejected] }];
      await storage.store.append({ documentId: 'doc-1', branch: 'main', lanes, claim: ref(claim) });
      expect(await storage.store.getOperations('doc-1', 'a', 'main')).toEqual([applied, rejected]);

      const again = await claimOne(storage, 'job-2');
      const replay = await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes,
        claim: ref(again),
      });
      expect(replay).toEqual({ operations: [applied, rejected], replayed: true });
    });

    it('writes an operation whose id only another lane stores (ids are unique per lane)', async () => {
      const storage = open();
      const claim = await claimOne(storage);
      const [other] = makeOperations('b', 0, 1);
      await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [{ scope: 'b', expectedHead: -1, operations: [other!] }],
      });
      const mine = { ...makeOperations('a', 0, 1)[0]!, id: other!.id };

      const result = await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [{ scope: 'a', expectedHead: -1, operations: [mine] }],
        claim: ref(claim),
      });

      expect(result).toEqual({ operations: [mine], replayed: false });
      expect(await storage.store.getOperations('doc-1', 'a', 'main')).toEqual([mine]);
      expect(await storage.store.getOperations('doc-1', 'b', 'main')).toEqual([other]);
      expect(await storage.queue.get('job-1')).toMatchObject({ status: JobStatus.COMPLETED });
    });

    it('refuses a stale claim and writes nothing', async () => {
      const storage = open();
      const claim = await claimOne(storage);
      await storage.queue.release(ref(claim), 1);
      const before = await storage.queue.get('job-1');

      const error = await storage.store
        .append({
          documentId: 'doc-1',
          branch: 'main',
          lanes: [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }],
          claim: ref(claim),
        })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StaleClaimError);
      expect(await storage.store.getHead('doc-1', 'a', 'main')).toBe(-1);
      expect(await storage.store.getSnapshot('doc-1', 'a', 'main')).toBeUndefined();
      expect(await storage.queue.get('job-1')).toEqual(before);
    });

    it('writes nothing and leaves the claim running when the write conflicts', async () => {
      const storage = open();
      const claim = await claimOne(storage);
      await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }],
      });
      const late = makeOperations('a', 0, 1, { branch: 'main' }).map((op) => ({
        ...op,
        id: 'f'.repeat(32),
      }));

      await expect(
        storage.store.append({
          documentId: 'doc-1',
          branch: 'main',
          lanes: [{ scope: 'a', expectedHead: -1, operations: late }],
          claim: ref(claim),
        }),
      ).rejects.toMatchObject({ name: 'WriteConflictError' });
      expect(await storage.queue.get('job-1')).toMatchObject({ status: JobStatus.RUNNING });
    });
  });
});
