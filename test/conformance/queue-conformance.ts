/**
 * The `IQueue` conformance suite: every queue adapter runs it through `describeQueueConformance`.
 * It tests only through the port, with an injected simulated clock; every test is independent.
 * @module
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Claim, ClaimRef, IEventBus, IQueue } from '../../src/adapters/ports.js';
import type { Clock } from '../../src/clock.js';
import { JobValidationError, StaleClaimError } from '../../src/errors.js';
import { EventTypes } from '../../src/events.js';
import { type JobInput, JobStatus } from '../../src/types.js';
import { adapterSelected, jobInput, T0 } from './fixtures.js';
import { describeHandlerJobConformance } from './handler-job-conformance.js';
import { describeOutcomeUnknownConformance } from './outcome-unknown-conformance.js';
import { describeStatefulJobConformance } from './stateful-job-conformance.js';

/** What a queue factory receives. */
export type QueueContext = { clock: Clock };
/** What a queue factory returns; `cleanup` releases everything the factory created. */
export type QueueFixture = { queue: IQueue; bus: IEventBus; cleanup(): Promise<void> };

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });
const ids = (claims: Claim[]): string[] => claims.map((claim) => claim.job.id);

/**
 * Declares the conformance tests of an `IQueue` adapter. `makeQueue` is called before each test
 * with a `SimulatedClock` set to `T0` and must return an empty queue using it.
 */
export function describeQueueConformance(
  name: string,
  makeQueue: (ctx: QueueContext) => Promise<QueueFixture>,
): void {
  describe.skipIf(!adapterSelected(name))(`IQueue conformance: ${name}`, () => {
    let clock: SimulatedClock;
    let queue: IQueue;
    let bus: IEventBus;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      clock = new SimulatedClock();
      clock.set(T0);
      ({ queue, bus, cleanup } = await makeQueue({ clock }));
    });
    afterEach(async () => {
      await cleanup();
    });

    /** Enqueues jobs one by one and returns their ids. */
    async function enqueueAll(inputs: JobInput[]): Promise<string[]> {
      const result: string[] = [];
      for (const input of inputs) result.push((await queue.enqueue(input)).id);
      return result;
    }

    /** Counts `jobAvailable` events from now on. */
    function countAvailable(): { readonly count: number } {
      const seen = { count: 0 };
      bus.subscribe(EventTypes.JOB_AVAILABLE, () => {
        seen.count += 1;
      });
      return seen;
    }

    async function completeAll(claims: Claim[]): Promise<void> {
      for (const claim of claims) await queue.complete(ref(claim), claim.job.attempts);
    }

    describeHandlerJobConformance(() => ({ queue }));
    describeStatefulJobConformance(() => ({ queue, clock, bus }));
    describeOutcomeUnknownConformance(() => ({ queue }));

    describe('enqueue', () => {
      it('stores a pending job with no attempts, createdAt from the clock and branch main', async () => {
        const job = await queue.enqueue(jobInput('doc-1', ['global']));
        expect(job).toMatchObject({
          documentId: 'doc-1',
          scopes: ['global'],
          branch: 'main',
          status: JobStatus.PENDING,
          attempts: 0,
          createdAt: T0,
        });
        expect(typeof job.id).toBe('string');
        expect(await queue.get(job.id)).toMatchObject({ id: job.id, status: JobStatus.PENDING });
      });

      it('keeps a given id and generates distinct ids otherwise', async () => {
        const given = await queue.enqueue(jobInput('doc-1', ['global'], { id: 'my-job' }));
        const a = await queue.enqueue(jobInput('doc-1', ['global']));
        const b = await queue.enqueue(jobInput('doc-1', ['global']));
        expect(given.id).toBe('my-job');
        expect(a.id).not.toBe(b.id);
        expect(a.id).not.toBe('my-job');
      });

      it('keeps the optional fields', async () => {
        const job = await queue.enqueue(
          jobInput('doc-1', ['global'], {
            branch: 'draft',
            resultingHash: 'h=',
            maxRetries: 2,
            runAt: T0 + 10,
            meta: { origin: 'test' },
          }),
        );
        expect(await queue.get(job.id)).toMatchObject({
          branch: 'draft',
          resultingHash: 'h=',
          maxRetries: 2,
          runAt: T0 + 10,
          meta: { origin: 'test' },
        });
      });

      it('rejects an invalid input naming the field, and stores nothing', async () => {
        const bad = { ...jobInput('doc-1', ['a']), scopes: ['a', 'a'] };
        const error = await queue.enqueue(bad).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).field).toBe('scopes[1]');
        expect(await queue.counts()).toEqual({ pending: 0, running: 0, completed: 0, failed: 0 });
        expect(await queue.claim('r1', 10)).toEqual([]);
      });

      it('rejects a duplicate job id on `id`', async () => {
        await queue.enqueue(jobInput('doc-1', ['global'], { id: 'dup' }));
        const error = await queue
          .enqueue(jobInput('doc-2', ['global'], { id: 'dup' }))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).field).toBe('id');
        expect((await queue.get('dup'))?.documentId).toBe('doc-1');
        expect(await queue.backlog()).toBe(1);
      });

      it('publishes jobAvailable once per enqueue', async () => {
        const available = countAvailable();
        await queue.enqueue(jobInput('doc-1', ['global']));
        await vi.waitFor(() => expect(available.count).toBe(1));
        await queue.enqueue(jobInput('doc-1', ['global']));
        await vi.waitFor(() => expect(available.count).toBe(2));
      });

      it('hands out copies: mutating a returned job does not change the queue', async () => {
        const job = await queue.enqueue(jobInput('doc-1', ['global']));
        job.status = JobStatus.COMPLETED;
        job.attempts = 7;
        const got = await queue.get(job.id);
        expect(got).toMatchObject({ status: JobStatus.PENDING, attempts: 0 });
        if (got) got.status = JobStatus.FAILED;
        const [claim] = await queue.claim('r1', 1);
        expect(claim?.job.id).toBe(job.id);
        if (claim) claim.job.attempts = 99;
        expect(await queue.get(job.id)).toMatchObject({ status: JobStatus.RUNNING, attempts: 1 });
      });
    });

    describe('enqueueMany', () => {
      it('enqueues the batch in order and publishes jobAvailable once', async () => {
        const available = countAvailable();
        const jobs = await queue.enqueueMany([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
          jobInput('doc-2', ['a']),
        ]);
        expect(jobs).toHaveLength(3);
        await vi.waitFor(() => expect(available.count).toBe(1));
        const first = await queue.claim('r1', 10);
        expect(ids(first)).toEqual([jobs[0]?.id, jobs[2]?.id]);
        await completeAll(first);
        expect(ids(await queue.claim('r1', 10))).toEqual([jobs[1]?.id]);
        expect(available.count).toBe(1);
      });

      it('is all or nothing: one invalid input enqueues none of the batch', async () => {
        const available = countAvailable();
        const error = await queue
          .enqueueMany([
            jobInput('doc-1', ['a'], { id: 'first' }),
            jobInput('doc-1', ['a'], { maxRetries: -1 }),
          ])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).field).toBe('maxRetries');
        expect(await queue.get('first')).toBeUndefined();
        expect(await queue.counts()).toEqual({ pending: 0, running: 0, completed: 0, failed: 0 });
        expect(available.count).toBe(0);
      });

      it('rejects a batch that repeats an id or reuses a stored one, enqueuing none of it', async () => {
        await queue.enqueue(jobInput('doc-1', ['a'], { id: 'taken' }));
        for (const batch of [
          [jobInput('doc-1', ['a'], { id: 'x' }), jobInput('doc-1', ['a'], { id: 'x' })],
          [jobInput('doc-1', ['a'], { id: 'y' }), jobInput('doc-1', ['a'], { id: 'taken' })],
        ]) {
          const error = await queue.enqueueMany(batch).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(JobValidationError);
          expect((error as JobValidationError).field).toBe('id');
        }
        expect(await queue.get('x')).toBeUndefined();
        expect(await queue.get('y')).toBeUndefined();
        expect(await queue.backlog()).toBe(1);
      });

      it('accepts an empty batch', async () => {
        expect(await queue.enqueueMany([])).toEqual([]);
        expect(await queue.backlog()).toBe(0);
      });
    });

    describe('claimLane (optional)', () => {
      const lane = (documentId: string, scope: string) => ({ documentId, scope, branch: 'main' });
      /** The adapter's claimLane; the test is skipped when the adapter has none. */
      function claimLaneOf(skip: () => void): NonNullable<IQueue['claimLane']> {
        if (queue.claimLane === undefined) skip();
        return queue.claimLane!.bind(queue);
      }

      it('claims a ready lane head like claim does, and nothing from an empty or running lane', async (ctx) => {
        const claimLane = claimLaneOf(() => ctx.skip());
        expect(await claimLane('r1', lane('doc-1', 'a'))).toBeUndefined();
        const [j1, j2] = await enqueueAll([jobInput('doc-1', ['a']), jobInput('doc-1', ['a'])]);
        const first = await claimLane('r1', lane('doc-1', 'a'));
        expect(first?.job).toMatchObject({ id: j1, status: JobStatus.RUNNING, attempts: 1 });
        expect(await claimLane('r1', lane('doc-1', 'a'))).toBeUndefined(); // j1 runs
        expect(await queue.claim('r1', 10)).toEqual([]);
        await queue.complete(ref(first!), 1);
        const second = await claimLane('r1', lane('doc-1', 'a'));
        expect(second?.job.id).toBe(j2);
        await queue.complete(ref(second!), 1);
        expect(await queue.get(j2!)).toMatchObject({ status: JobStatus.COMPLETED });
        expect(await claimLane('r1', lane('doc-1', 'a'))).toBeUndefined();
      });

      it('leaves a head that waits for another lane, or for its runAt', async (ctx) => {
        const claimLane = claimLaneOf(() => ctx.skip());
        const [onB, onBoth] = await enqueueAll([
          jobInput('doc-1', ['b']),
          jobInput('doc-1', ['a', 'b']),
        ]);
        expect(await claimLane('r1', lane('doc-1', 'a'))).toBeUndefined();
        const [claimB] = await queue.claim('r1', 10);
        expect(claimB?.job.id).toBe(onB);
        await queue.complete(ref(claimB!), 1);
        expect((await claimLane('r1', lane('doc-1', 'a')))?.job.id).toBe(onBoth);

        const delayed = (await queue.enqueue(jobInput('doc-2', ['a'], { runAt: T0 + 50 }))).id;
        expect(await claimLane('r1', lane('doc-2', 'a'))).toBeUndefined();
        clock.increment(50);
        expect((await claimLane('r1', lane('doc-2', 'a')))?.job.id).toBe(delayed);
      });

      it('leaves a head halted by a failure', async (ctx) => {
        const claimLane = claimLaneOf(() => ctx.skip());
        await enqueueAll([jobInput('doc-1', ['a']), jobInput('doc-1', ['a'])]);
        const [claim] = await queue.claim('r1', 10);
        await queue.fail(ref(claim!), { attempts: 1, errorCode: 1, errorMessage: 'x', halt: true });
        expect(await claimLane('r1', lane('doc-1', 'a'))).toBeUndefined();
      });

      it('mixes with claim: each job is claimed once, a released job keeps its place', async (ctx) => {
        const claimLane = claimLaneOf(() => ctx.skip());
        const inputs = Array.from({ length: 60 }, (_, i) => jobInput(`doc-${i % 3}`, ['a']));
        const all = await enqueueAll(inputs);
        const seen: string[] = [];
        let released = false;
        for (let round = 0; seen.length < all.length && round < 200; round++) {
          for (const claim of await queue.claim('r1', 2)) {
            let current: Claim | undefined = claim;
            // Run up to three jobs of the lane back to back, as the runtime's lane batching does.
            for (let n = 0; current !== undefined && n < 3; n++) {
              if (!released && seen.length === 10) {
                released = true;
                await queue.release(ref(current), current.job.attempts - 1);
                current = await claimLane('r1', lane(current.job.documentId, 'a'));
                continue;
              }
              seen.push(current.job.id);
              await queue.complete(ref(current), current.job.attempts);
              current = await claimLane('r1', lane(current.job.documentId, 'a'));
            }
            if (current !== undefined) await queue.release(ref(current), current.job.attempts - 1);
          }
        }
        expect([...seen].sort()).toEqual([...all].sort());
        for (let d = 0; d < 3; d++) {
          const ofLane = all.filter((_, i) => i % 3 === d);
          expect(seen.filter((id) => ofLane.includes(id))).toEqual(ofLane);
        }
        expect(await queue.counts()).toMatchObject({ pending: 0, running: 0, completed: 60 });
      });
    });

    describe('claim', () => {
      it('runs the jobs of a lane one at a time, in enqueue order', async () => {
        const [j1, j2, j3] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
        ]);
        const order: string[] = [];
        for (;;) {
          const claims = await queue.claim('r1', 10);
          if (claims.length === 0) break;
          expect(claims).toHaveLength(1);
          order.push(...ids(claims));
          await completeAll(claims);
        }
        expect(order).toEqual([j1, j2, j3]);
      });

      it('makes a job with scopes [a, b] wait for earlier jobs of lane a and of lane b', async () => {
        const [onA, onB, onBoth, laterA] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['b']),
          jobInput('doc-1', ['a', 'b']),
          jobInput('doc-1', ['a']),
        ]);
        const first = await queue.claim('r1', 10);
        expect(ids(first)).toEqual([onA, onB]);
        await queue.complete(ref(first[0] as Claim), 1);
        expect(await queue.claim('r1', 10)).toEqual([]); // still waits for lane b
        await queue.complete(ref(first[1] as Claim), 1);
        const both = await queue.claim('r1', 10);
        expect(ids(both)).toEqual([onBoth]); // laterA waits behind it
        await completeAll(both);
        expect(ids(await queue.claim('r1', 10))).toEqual([laterA]);
      });

      it('makes a job wait for each of its lanes, whichever it lists first', async () => {
        for (const scopes of [
          ['free', 'busy'],
          ['busy', 'free'],
        ]) {
          const doc = `doc-${scopes[0]}`;
          const [busy, multi] = await enqueueAll([jobInput(doc, ['busy']), jobInput(doc, scopes)]);
          const claims = await queue.claim('r1', 10);
          expect(ids(claims)).toEqual([busy]);
          await completeAll(claims);
          const next = await queue.claim('r1', 10);
          expect(ids(next)).toEqual([multi]);
          await completeAll(next);
        }
      });

      it('takes one head per lane before applying the limit', async () => {
        const busy = await queue.enqueueMany(
          Array.from({ length: 100 }, () => jobInput('doc-busy', ['main'])),
        );
        const others = await enqueueAll(
          Array.from({ length: 5 }, (_, i) => jobInput(`doc-${i}`, ['main'])),
        );
        const claims = await queue.claim('r1', 5);
        expect(ids(claims)).toEqual([busy[0]?.id, ...others.slice(0, 4)]);
        const more = await queue.claim('r1', 5);
        expect(ids(more)).toEqual([others[4]]);
      });

      it('claims the oldest ready jobs first', async () => {
        const [x, y, z] = await enqueueAll([
          jobInput('doc-3', ['a']),
          jobInput('doc-1', ['a']),
          jobInput('doc-2', ['a']),
        ]);
        expect(ids(await queue.claim('r1', 2))).toEqual([x, y]);
        expect(ids(await queue.claim('r1', 2))).toEqual([z]);
      });

      it('marks claimed jobs running with one more attempt and a token', async () => {
        const id = (await queue.enqueue(jobInput('doc-1', ['a']))).id;
        const [claim] = await queue.claim('runner-7', 1);
        expect(claim?.job).toMatchObject({ id, status: JobStatus.RUNNING, attempts: 1 });
        expect(typeof claim?.token).toBe('string');
        expect(claim?.token.length).toBeGreaterThan(0);
        expect(await queue.get(id)).toMatchObject({ status: JobStatus.RUNNING, attempts: 1 });
      });

      it('never hands out a held job again', async () => {
        await enqueueAll([jobInput('doc-1', ['a']), jobInput('doc-1', ['a'])]);
        expect(await queue.claim('r1', 10)).toHaveLength(1);
        expect(await queue.claim('r2', 10)).toEqual([]);
      });

      it('claims nothing with a limit of 0', async () => {
        await queue.enqueue(jobInput('doc-1', ['a']));
        expect(await queue.claim('r1', 0)).toEqual([]);
        expect(await queue.backlog()).toBe(1);
      });

      it('keeps lanes of different documents, scopes and branches apart', async () => {
        const jobs = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a'], { branch: 'draft' }),
          jobInput('doc-2', ['a']),
          jobInput('doc-1', ['b']),
        ]);
        expect(ids(await queue.claim('r1', 10))).toEqual(jobs);
      });
    });

    describe('release', () => {
      it('puts the job back to pending in its place and stores the attempts', async () => {
        const [first, second] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
        ]);
        const [claim] = await queue.claim('r1', 10);
        expect(claim?.job.id).toBe(first);
        await queue.release(ref(claim as Claim), 0);
        expect(await queue.get(first as string)).toMatchObject({
          status: JobStatus.PENDING,
          attempts: 0,
        });
        const [again] = await queue.claim('r1', 10);
        expect(again?.job).toMatchObject({ id: first, attempts: 1 });
        await queue.release(ref(again as Claim), 1);
        const [third] = await queue.claim('r2', 10);
        expect(third?.job).toMatchObject({ id: first, attempts: 2 });
        await completeAll([third as Claim]);
        expect(ids(await queue.claim('r1', 10))).toEqual([second]);
      });

      it('publishes jobAvailable', async () => {
        await queue.enqueue(jobInput('doc-1', ['a']));
        const [claim] = await queue.claim('r1', 1);
        const available = countAvailable();
        await queue.release(ref(claim as Claim), 1);
        await vi.waitFor(() => expect(available.count).toBe(1));
      });
    });

    describe('named claims: reclaim (optional)', () => {
      // A claim call whose answer was lost is found again by its request id, with the same jobs
      // and tokens; nothing else is, and asking changes nothing.
      it('hands back the claims of a claim call, with their tokens, and changes nothing', async () => {
        if (queue.reclaim === undefined) return;
        await enqueueAll([jobInput('d1', ['a']), jobInput('d2', ['a']), jobInput('d3', ['a'])]);
        const claims = await queue.claim('r1', 2, 'request-1');
        const counts = await queue.counts();
        const before = await queue.get(claims[0]!.job.id);
        const again = await queue.reclaim('r1', 'request-1');
        expect(again).toEqual(claims);
        expect(await queue.reclaim('r1', 'request-1')).toEqual(claims);
        expect(await queue.counts()).toEqual(counts);
        expect(await queue.get(claims[0]!.job.id)).toEqual(before);
        // The tokens handed back are the claims' own.
        await queue.complete(ref(again[0]!), 1);
        expect(ids(await queue.reclaim('r1', 'request-1'))).toEqual([claims[1]!.job.id]);
        await queue.release(ref(again[1]!), 0);
        expect(await queue.reclaim('r1', 'request-1')).toEqual([]);
      });

      it('hands back nothing for another runner, another request, or a call that claimed nothing', async () => {
        if (queue.reclaim === undefined) return;
        await enqueueAll([jobInput('d1', ['a'])]);
        await queue.claim('r1', 1, 'request-1');
        expect(await queue.reclaim('r2', 'request-1')).toEqual([]);
        expect(await queue.reclaim('r1', 'request-2')).toEqual([]);
        expect(await queue.claim('r1', 1, 'request-3')).toEqual([]);
        expect(await queue.reclaim('r1', 'request-3')).toEqual([]);
      });

      it('hands back nothing once the job was released and claimed by another call', async () => {
        if (queue.reclaim === undefined) return;
        await enqueueAll([jobInput('d1', ['a'])]);
        const [first] = await queue.claim('r1', 1, 'request-1');
        await queue.release(ref(first!), 0);
        const second = await queue.claim('r1', 1, 'request-2');
        expect(ids(second)).toEqual([first!.job.id]);
        expect(await queue.reclaim('r1', 'request-1')).toEqual([]);
        expect(await queue.reclaim('r1', 'request-2')).toEqual(second);
      });

      it('hands back the claim of a claimLane call', async () => {
        if (queue.reclaim === undefined || queue.claimLane === undefined) return;
        await enqueueAll([jobInput('d1', ['a']), jobInput('d1', ['a'])]);
        const [head] = await queue.claim('r1', 1, 'request-1');
        await queue.complete(ref(head!), 1);
        const lane = { documentId: 'd1', scope: 'a', branch: 'main' };
        const next = await queue.claimLane('r1', lane, 'request-2');
        expect(next).toBeDefined();
        expect(await queue.reclaim('r1', 'request-2')).toEqual([next]);
      });
    });

    describe('stale claims', () => {
      async function claimOne(): Promise<Claim> {
        await queue.enqueue(jobInput('doc-1', ['a']));
        const [claim] = await queue.claim('r1', 1);
        return claim as Claim;
      }
      const attempts = [
        ['complete', (q: IQueue, r: ClaimRef) => q.complete(r, 1)],
        [
          'fail',
          (q: IQueue, r: ClaimRef) => q.fail(r, { attempts: 1, errorCode: 1, errorMessage: 'x' }),
        ],
        ['release', (q: IQueue, r: ClaimRef) => q.release(r, 1)],
      ] as const;

      for (const [verb, call] of attempts) {
        it(`refuses ${verb} with a wrong token and changes nothing`, async () => {
          const claim = await claimOne();
          const before = await queue.get(claim.job.id);
          const error = await call(queue, { jobId: claim.job.id, token: `${claim.token}x` }).catch(
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(StaleClaimError);
          expect(await queue.get(claim.job.id)).toEqual(before);
          expect(await queue.counts()).toEqual({ pending: 0, running: 1, completed: 0, failed: 0 });
          await queue.complete(ref(claim), 1); // the real token still works
        });

        for (const [first, end] of attempts) {
          // Ending a claim again the same way is a no-op success (a retry after a lost answer);
          // another way is stale. Either way nothing changes.
          const same = first === verb;
          it(`${same ? 'accepts' : 'refuses'} ${verb} after the claim ended with ${first}`, async () => {
            const claim = await claimOne();
            await end(queue, ref(claim));
            const before = await queue.get(claim.job.id);
            const counts = await queue.counts();
            if (same) {
              await call(queue, ref(claim));
              await call(queue, ref(claim));
            } else {
              await expect(call(queue, ref(claim))).rejects.toBeInstanceOf(StaleClaimError);
            }
            expect(await queue.get(claim.job.id)).toEqual(before);
            expect(await queue.counts()).toEqual(counts);
          });
        }

        it(`refuses ${verb} again once the released job is claimed again`, async () => {
          const claim = await claimOne();
          await queue.release(ref(claim), 1);
          const [again] = await queue.claim('r2', 1);
          await queue.complete(ref(again as Claim), 2);
          await expect(call(queue, ref(claim))).rejects.toBeInstanceOf(StaleClaimError);
          expect(await queue.get(claim.job.id)).toMatchObject({ status: JobStatus.COMPLETED });
        });

        it(`refuses ${verb} with the token of an earlier claim of the same job`, async () => {
          const claim = await claimOne();
          await queue.release(ref(claim), 1);
          const [again] = await queue.claim('r2', 1);
          expect(again?.job.id).toBe(claim.job.id);
          await expect(call(queue, ref(claim))).rejects.toBeInstanceOf(StaleClaimError);
          expect(await queue.get(claim.job.id)).toMatchObject({
            status: JobStatus.RUNNING,
            attempts: 2,
          });
        });
      }

      it('refuses a claim on an unknown job', async () => {
        await expect(queue.complete({ jobId: 'nope', token: 't' }, 1)).rejects.toBeInstanceOf(
          StaleClaimError,
        );
      });
    });

    describe('complete and fail', () => {
      it('complete records the outcome and frees the lanes', async () => {
        const [first, second] = await enqueueAll([
          jobInput('doc-1', ['a', 'b']),
          jobInput('doc-1', ['b']),
        ]);
        const [claim] = await queue.claim('r1', 10);
        clock.increment(250);
        await queue.complete(ref(claim as Claim), 3);
        expect(await queue.get(first as string)).toMatchObject({
          status: JobStatus.COMPLETED,
          attempts: 3,
          finishedAt: T0 + 250,
        });
        expect(ids(await queue.claim('r1', 10))).toEqual([second]);
      });

      it('fail records the error and frees the lanes', async () => {
        const [first, second] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
        ]);
        const [claim] = await queue.claim('r1', 10);
        clock.increment(40);
        await queue.fail(ref(claim as Claim), {
          attempts: 2,
          errorCode: 90005,
          errorMessage: 'boom',
        });
        const failed = await queue.get(first as string);
        expect(failed).toMatchObject({
          status: JobStatus.FAILED,
          attempts: 2,
          finishedAt: T0 + 40,
          lastError: { code: 90005, message: 'boom' },
        });
        expect(failed?.halted).toBeFalsy();
        expect(await queue.blockedLanes()).toEqual([]);
        expect(ids(await queue.claim('r1', 10))).toEqual([second]);
      });
    });

    describe('halt', () => {
      async function haltFirst(): Promise<{ halted: string; next: string; other: string }> {
        const [halted, next, other] = await enqueueAll([
          jobInput('doc-1', ['a', 'b']),
          jobInput('doc-1', ['b']),
          jobInput('doc-2', ['a']),
        ]);
        const claims = await queue.claim('r1', 10);
        expect(ids(claims)).toEqual([halted, other]);
        await queue.fail(ref(claims[0] as Claim), {
          attempts: 1,
          errorCode: 90003,
          errorMessage: 'hash mismatch',
          halt: true,
        });
        await queue.complete(ref(claims[1] as Claim), 1);
        return { halted: halted as string, next: next as string, other: other as string };
      }

      it('keeps the lanes of a halted job blocked and lists them', async () => {
        const { halted } = await haltFirst();
        expect(await queue.claim('r1', 10)).toEqual([]);
        expect(await queue.get(halted)).toMatchObject({ status: JobStatus.FAILED, halted: true });
        const blocked = await queue.blockedLanes();
        expect(blocked).toHaveLength(2);
        expect(blocked).toEqual(
          expect.arrayContaining(
            ['a', 'b'].map((scope) =>
              expect.objectContaining({
                documentId: 'doc-1',
                scope,
                branch: 'main',
                jobId: halted,
                errorCode: 90003,
                errorMessage: 'hash mismatch',
              }),
            ),
          ),
        );
        expect(await queue.counts()).toEqual({ pending: 1, running: 0, completed: 1, failed: 1 });
      });

      it('retry puts the halted job back to pending in its place with attempts reset', async () => {
        const { halted, next } = await haltFirst();
        const available = countAvailable();
        await queue.retry(halted);
        await vi.waitFor(() => expect(available.count).toBe(1));
        expect(await queue.get(halted)).toMatchObject({ status: JobStatus.PENDING, attempts: 0 });
        expect((await queue.get(halted))?.halted).toBeFalsy();
        expect(await queue.blockedLanes()).toEqual([]);
        const [claim] = await queue.claim('r1', 10);
        expect(claim?.job).toMatchObject({ id: halted, attempts: 1 });
        await completeAll([claim as Claim]);
        expect(ids(await queue.claim('r1', 10))).toEqual([next]);
      });

      it('skip leaves the halted job failed and frees its lanes', async () => {
        const { halted, next } = await haltFirst();
        const available = countAvailable();
        await queue.skip(halted);
        await vi.waitFor(() => expect(available.count).toBe(1));
        const skipped = await queue.get(halted);
        expect(skipped).toMatchObject({ status: JobStatus.FAILED });
        expect(skipped?.halted).toBeFalsy();
        expect(await queue.blockedLanes()).toEqual([]);
        expect(ids(await queue.claim('r1', 10))).toEqual([next]);
      });

      it('retry and skip refuse a job that is not halted, changing nothing', async () => {
        const { other } = await haltFirst();
        await expect(queue.retry(other)).rejects.toThrow();
        await expect(queue.skip(other)).rejects.toThrow();
        await expect(queue.retry('unknown')).rejects.toThrow();
        expect(await queue.get(other)).toMatchObject({ status: JobStatus.COMPLETED });
        expect(await queue.blockedLanes()).toHaveLength(2);
      });
    });

    describe('delayed jobs', () => {
      it('keep their lane place and are claimable only when due', async () => {
        const [delayed, behind] = await enqueueAll([
          jobInput('doc-1', ['a'], { runAt: T0 + 1_000 }),
          jobInput('doc-1', ['a']),
        ]);
        expect(await queue.claim('r1', 10)).toEqual([]);
        clock.increment(999);
        expect(await queue.claim('r1', 10)).toEqual([]);
        clock.increment(1);
        const claims = await queue.claim('r1', 10);
        expect(ids(claims)).toEqual([delayed]);
        await completeAll(claims);
        expect(ids(await queue.claim('r1', 10))).toEqual([behind]);
      });

      it('do not hold up other lanes', async () => {
        const [, other] = await enqueueAll([
          jobInput('doc-1', ['a'], { runAt: T0 + 1_000 }),
          jobInput('doc-2', ['a']),
        ]);
        expect(ids(await queue.claim('r1', 10))).toEqual([other]);
      });

      it('are due at once when runAt is not in the future', async () => {
        const [past, now] = await enqueueAll([
          jobInput('doc-1', ['a'], { runAt: T0 - 5 }),
          jobInput('doc-2', ['a'], { runAt: T0 }),
        ]);
        expect(ids(await queue.claim('r1', 10))).toEqual([past, now]);
      });

      it('nextRunAt is the earliest runAt among lane heads not yet due', async () => {
        expect(await queue.nextRunAt()).toBeUndefined();
        await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a'], { runAt: T0 + 100 }), // not a head yet
          jobInput('doc-2', ['a'], { runAt: T0 + 500 }),
        ]);
        expect(await queue.nextRunAt()).toBe(T0 + 500);
        const [head] = await queue.claim('r1', 10);
        await completeAll([head as Claim]);
        expect(await queue.nextRunAt()).toBe(T0 + 100);
        clock.increment(100);
        expect(await queue.nextRunAt()).toBe(T0 + 500);
        clock.increment(400);
        expect(await queue.nextRunAt()).toBeUndefined();
        expect(await queue.claim('r1', 10)).toHaveLength(2);
      });
    });

    describe('cancel', () => {
      it('removes a pending job', async () => {
        const [first, second] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
        ]);
        expect(await queue.cancel(second as string)).toBe(true);
        expect(await queue.get(second as string)).toBeUndefined();
        expect(await queue.backlog()).toBe(1);
        const claims = await queue.claim('r1', 10);
        expect(ids(claims)).toEqual([first]);
        await completeAll(claims);
        expect(await queue.claim('r1', 10)).toEqual([]);
      });

      it('refuses running, finished and unknown jobs', async () => {
        const [running, done] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-2', ['a']),
        ]);
        const claims = await queue.claim('r1', 10);
        await queue.complete(ref(claims[1] as Claim), 1);
        expect(await queue.cancel(running as string)).toBe(false);
        expect(await queue.cancel(done as string)).toBe(false);
        expect(await queue.cancel('unknown')).toBe(false);
        expect(await queue.counts()).toEqual({ pending: 0, running: 1, completed: 1, failed: 0 });
      });

      it('removes a delayed job from the middle of a lane', async () => {
        const [first, , third] = await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a', 'b'], { id: 'scheduled', runAt: T0 + 60_000 }),
          jobInput('doc-1', ['a']),
        ]);
        expect(await queue.cancel('scheduled')).toBe(true);
        const claims = await queue.claim('r1', 10);
        expect(ids(claims)).toEqual([first]);
        await completeAll(claims);
        expect(ids(await queue.claim('r1', 10))).toEqual([third]);
        expect(await queue.nextRunAt()).toBeUndefined();
      });

      it('frees the lane when it removes the head', async () => {
        const [, behind] = await enqueueAll([
          jobInput('doc-1', ['a'], { id: 'scheduled', runAt: T0 + 60_000 }),
          jobInput('doc-1', ['a']),
        ]);
        expect(await queue.cancel('scheduled')).toBe(true);
        expect(ids(await queue.claim('r1', 10))).toEqual([behind]);
      });
    });

    describe('counts and backlog', () => {
      it('count jobs per status; the backlog is the pending ones', async () => {
        await enqueueAll([
          jobInput('doc-1', ['a']),
          jobInput('doc-1', ['a']),
          jobInput('doc-2', ['a']),
          jobInput('doc-3', ['a']),
          jobInput('doc-4', ['a'], { runAt: T0 + 1_000 }),
        ]);
        expect(await queue.counts()).toEqual({ pending: 5, running: 0, completed: 0, failed: 0 });
        const claims = await queue.claim('r1', 10);
        expect(claims).toHaveLength(3);
        expect(await queue.counts()).toEqual({ pending: 2, running: 3, completed: 0, failed: 0 });
        expect(await queue.backlog()).toBe(2);
        await queue.complete(ref(claims[0] as Claim), 1);
        await queue.fail(ref(claims[1] as Claim), {
          attempts: 1,
          errorCode: 90005,
          errorMessage: 'x',
        });
        await queue.release(ref(claims[2] as Claim), 1);
        expect(await queue.counts()).toEqual({ pending: 3, running: 0, completed: 1, failed: 1 });
        expect(await queue.backlog()).toBe(3);
      });
    });
  });
}
