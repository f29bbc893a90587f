/**
 * Stateful handler jobs in the `IQueue` conformance suite (README: Handler jobs, "Stateful
 * handlers"): every adapter stores a checkpoint under the claim's token and hands it out with
 * later claims, and `sleep` gives the job back in its lane place with its wake-up time, so no
 * later job of any of its keys is claimed before it ran again. Declared inside
 * `describeQueueConformance`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import type { Claim, ClaimRef, IEventBus, IQueue } from '../../src/adapters/ports.js';
import { StaleClaimError } from '../../src/errors.js';
import { EventTypes } from '../../src/events.js';
import { type JobInput, JobStatus } from '../../src/types.js';
import { T0 } from './fixtures.js';

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });
const ids = (claims: Claim[]): string[] => claims.map((claim) => claim.job.id);
const handlerJob = (input: Record<string, unknown>): JobInput => input as unknown as JobInput;

export function describeStatefulJobConformance(
  current: () => { queue: IQueue; clock: SimulatedClock; bus: IEventBus },
): void {
  describe('stateful handler jobs', () => {
    it('keeps a sleeping job at the head of every one of its keys until it wakes and runs again', async () => {
      const { queue, clock } = current();
      await queue.enqueue(handlerJob({ id: 's', handler: 't', keys: ['a', 'b'] }));
      await queue.enqueue(handlerJob({ id: 'a2', handler: 't', keys: ['a'] }));
      await queue.enqueue(handlerJob({ id: 'b2', handler: 't', keys: ['b'] }));
      await queue.enqueue(handlerJob({ id: 'ac', handler: 't', keys: ['c', 'a'] }));
      await queue.enqueue(handlerJob({ id: 'c2', handler: 't', keys: ['c'] }));
      await queue.enqueue(handlerJob({ id: 'free', handler: 't' }));
      const [s] = await queue.claim('r1', 1);
      expect(s?.job.id).toBe('s');
      await queue.sleep(ref(s as Claim), { attempts: 0, wakeAt: T0 + 1_000 });
      expect(await queue.get('s')).toMatchObject({
        status: JobStatus.PENDING,
        attempts: 0,
        runAt: T0 + 1_000,
      });
      // Neither key's later jobs, nor a job holding one of them; c2 waits behind ac.
      expect(ids(await queue.claim('r1', 10))).toEqual(['free']);
      expect(await queue.nextRunAt()).toBe(T0 + 1_000);
      for (const key of ['a', 'b']) {
        expect(await queue.claimLane?.('r1', { documentId: '', scope: key, branch: 'key' })).toBe(
          undefined,
        );
      }
      clock.increment(999);
      expect(await queue.claim('r1', 10)).toEqual([]);
      clock.increment(1);
      const [woken, ...rest] = await queue.claim('r1', 10);
      expect(rest).toEqual([]);
      expect(woken?.job).toMatchObject({ id: 's', status: JobStatus.RUNNING, attempts: 1 });
      await queue.complete(ref(woken as Claim), 1);
      expect(ids(await queue.claim('r1', 10))).toEqual(['a2', 'b2']);
    });

    it('sleeps a job claimed through claimLane as well (it is not taken before it wakes)', async () => {
      const { queue, clock } = current();
      if (queue.claimLane === undefined) return;
      await queue.enqueue(handlerJob({ id: 'k1', handler: 't', keys: ['k'] }));
      await queue.enqueue(handlerJob({ id: 'k2', handler: 't', keys: ['k'] }));
      await queue.enqueue(handlerJob({ id: 'other', handler: 't', keys: ['o'] }));
      const lane = { documentId: '', scope: 'k', branch: 'key' };
      const k1 = await queue.claimLane('r1', lane);
      expect(k1?.job.id).toBe('k1');
      await queue.sleep(ref(k1 as Claim), { attempts: 0, wakeAt: T0 + 500 });
      expect(ids(await queue.claim('r1', 10))).toEqual(['other']);
      expect(await queue.claimLane('r1', lane)).toBeUndefined();
      clock.increment(500);
      const again = await queue.claimLane('r1', lane);
      expect(again?.job.id).toBe('k1');
      // Due at once, it is claimed once (by `claim` as well), then k2 only after it completes.
      await queue.sleep(ref(again as Claim), { attempts: 0, wakeAt: T0 + 500 });
      const woken = await queue.claim('r1', 10);
      expect(ids(woken)).toEqual(['k1']);
      expect(await queue.claim('r1', 10)).toEqual([]);
      await queue.complete(ref(woken[0] as Claim), 1);
      expect(ids(await queue.claim('r1', 10))).toEqual(['k2']);
    });

    it('stores a checkpoint under the claim and hands it out with the next claims', async () => {
      const { queue, clock } = current();
      await queue.enqueue(handlerJob({ id: 'h', handler: 't', keys: ['k'] }));
      const [first] = (await queue.claim('r1', 1)) as [Claim];
      expect(first.job.checkpoint).toBeUndefined();
      const checkpoint = { index: 3, done: ['a', 'b'], nested: { ok: true, n: null } };
      await queue.saveCheckpoint(ref(first), { index: 1 });
      await queue.saveCheckpoint(ref(first), checkpoint);
      expect((await queue.get('h'))?.checkpoint).toEqual(checkpoint);
      await queue.sleep(ref(first), { attempts: 0, wakeAt: T0 + 10 });
      // A sleep repeated with its token is a no-op success; a save under it is stale now.
      await queue.sleep(ref(first), { attempts: 0, wakeAt: T0 + 10 });
      await expect(queue.saveCheckpoint(ref(first), { index: 9 })).rejects.toBeInstanceOf(
        StaleClaimError,
      );
      clock.increment(10);
      const [second] = (await queue.claim('r1', 1)) as [Claim];
      expect(second.job.checkpoint).toEqual(checkpoint);
      // Released (a graceful stop), the job keeps it too; null clears it.
      await queue.release(ref(second), 0);
      const [third] = (await queue.claim('r1', 1)) as [Claim];
      expect(third.job.checkpoint).toEqual(checkpoint);
      await queue.saveCheckpoint(ref(third), null);
      await queue.complete(ref(third), 1, { total: 3 });
      const done = await queue.get('h');
      expect(done).toMatchObject({ status: JobStatus.COMPLETED, output: { total: 3 } });
      expect(done?.checkpoint).toBeUndefined();
    });

    it('refuses a checkpoint or a sleep under a stale claim and changes nothing', async () => {
      const { queue } = current();
      await queue.enqueue(handlerJob({ id: 'h', handler: 't', keys: ['k'] }));
      const [claim] = (await queue.claim('r1', 1)) as [Claim];
      await queue.saveCheckpoint(ref(claim), { step: 1 });
      const stale = { jobId: 'h', token: `${claim.token}x` };
      await expect(queue.saveCheckpoint(stale, { step: 2 })).rejects.toBeInstanceOf(
        StaleClaimError,
      );
      await expect(
        queue.saveCheckpoint({ jobId: 'nope', token: claim.token }, { step: 2 }),
      ).rejects.toBeInstanceOf(StaleClaimError);
      await expect(queue.sleep(stale, { attempts: 0, wakeAt: T0 + 5 })).rejects.toBeInstanceOf(
        StaleClaimError,
      );
      expect(await queue.get('h')).toMatchObject({
        status: JobStatus.RUNNING,
        checkpoint: { step: 1 },
      });
      expect((await queue.get('h'))?.runAt).toBeUndefined();
      await queue.complete(ref(claim), 1);
      await expect(queue.sleep(ref(claim), { attempts: 0, wakeAt: T0 + 5 })).rejects.toBeInstanceOf(
        StaleClaimError,
      );
      expect((await queue.get('h'))?.status).toBe(JobStatus.COMPLETED);
    });

    it('publishes jobAvailable on sleep, and a sleeping job can be cancelled, freeing its keys', async () => {
      const { queue, bus } = current();
      await queue.enqueue(handlerJob({ id: 's', handler: 't', keys: ['k'] }));
      await queue.enqueue(handlerJob({ id: 'n', handler: 't', keys: ['k'] }));
      const [s] = (await queue.claim('r1', 1)) as [Claim];
      let available = 0;
      bus.subscribe(EventTypes.JOB_AVAILABLE, () => {
        available += 1;
      });
      await queue.sleep(ref(s), { attempts: 0, wakeAt: T0 + 60_000 });
      expect(available).toBeGreaterThanOrEqual(1);
      expect(await queue.cancel('s')).toBe(true);
      expect(ids(await queue.claim('r1', 10))).toEqual(['n']);
    });

    it('heartbeats one claim with touch, and refuses a stale one', async () => {
      const { queue } = current();
      if (queue.touch === undefined) return;
      await queue.enqueue(handlerJob({ id: 'h', handler: 't' }));
      const [claim] = (await queue.claim('r1', 1)) as [Claim];
      await queue.touch(ref(claim));
      await queue.complete(ref(claim), 1);
      await expect(queue.touch(ref(claim))).rejects.toBeInstanceOf(StaleClaimError);
    });
  });
}
