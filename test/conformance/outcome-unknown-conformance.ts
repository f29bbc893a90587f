/**
 * A job whose write's outcome is unknown, in the `IQueue` conformance suite (README: Semantics,
 * "Retries"): `release` with `outcomeUnknown` stores the flag on the job, later claims hand it out
 * as `job.outcomeUnknown`, later releases (with or without it) keep it, `complete` and `fail`
 * clear it, and the 2-argument `release` never sets it. An enqueue cannot set it. Declared inside
 * `describeQueueConformance`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import type { Claim, ClaimRef, IQueue } from '../../src/adapters/ports.js';
import { JobValidationError } from '../../src/errors.js';
import { type JobInput, JobStatus } from '../../src/types.js';
import { jobInput } from './fixtures.js';

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });

async function claimOne(queue: IQueue): Promise<Claim> {
  const [claim] = await queue.claim('r1', 1);
  if (claim === undefined) throw new Error('expected a claim');
  return claim;
}

export function describeOutcomeUnknownConformance(current: () => { queue: IQueue }): void {
  describe('release with outcomeUnknown', () => {
    it('flags the job for later claims until it completes', async () => {
      const { queue } = current();
      const { id } = await queue.enqueue(jobInput('doc-1', ['a']));
      const first = await claimOne(queue);
      expect(first.job.outcomeUnknown).toBeUndefined();
      await queue.release(ref(first), 1, { outcomeUnknown: true });
      expect(await queue.get(id)).toMatchObject({
        status: JobStatus.PENDING,
        outcomeUnknown: true,
      });
      const second = await claimOne(queue);
      expect(second.job).toMatchObject({ id, attempts: 2, outcomeUnknown: true });
      // A release without the flag (a stop before the next attempt learned the outcome) keeps it.
      await queue.release(ref(second), 2);
      const third = await claimOne(queue);
      expect(third.job).toMatchObject({ id, attempts: 3, outcomeUnknown: true });
      await queue.complete(ref(third), 3);
      const done = await queue.get(id);
      expect(done?.status).toBe(JobStatus.COMPLETED);
      expect(done?.outcomeUnknown).toBeUndefined();
    });

    it('clears the flag when the job fails, and a retried halted job starts without it', async () => {
      const { queue } = current();
      const { id } = await queue.enqueue(jobInput('doc-1', ['a']));
      await queue.release(ref(await claimOne(queue)), 1, { outcomeUnknown: true });
      const again = await claimOne(queue);
      expect(again.job.outcomeUnknown).toBe(true);
      await queue.fail(ref(again), { attempts: 2, errorCode: 1, errorMessage: 'x', halt: true });
      const failed = await queue.get(id);
      expect(failed?.status).toBe(JobStatus.FAILED);
      expect(failed?.outcomeUnknown).toBeUndefined();
      await queue.retry(id);
      const retried = await claimOne(queue);
      expect(retried.job.id).toBe(id);
      expect(retried.job.outcomeUnknown).toBeUndefined();
    });

    it('is never set by the 2-argument release, nor by outcomeUnknown: false', async () => {
      const { queue } = current();
      const { id } = await queue.enqueue(jobInput('doc-1', ['a']));
      await queue.release(ref(await claimOne(queue)), 1);
      expect((await queue.get(id))?.outcomeUnknown).toBeUndefined();
      await queue.release(ref(await claimOne(queue)), 2, { outcomeUnknown: false });
      expect((await queue.get(id))?.outcomeUnknown).toBeUndefined();
      const claim = await claimOne(queue);
      expect(claim.job.outcomeUnknown).toBeUndefined();
    });

    it('is repeatable: a second flagged release with the same token is a no-op success', async () => {
      const { queue } = current();
      const { id } = await queue.enqueue(jobInput('doc-1', ['a']));
      const claim = await claimOne(queue);
      await queue.release(ref(claim), 1, { outcomeUnknown: true });
      await queue.release(ref(claim), 1, { outcomeUnknown: true });
      expect(await queue.get(id)).toMatchObject({
        status: JobStatus.PENDING,
        outcomeUnknown: true,
      });
    });

    it('is handed out by claimLane and reclaim too (optional methods)', async () => {
      const { queue } = current();
      const { id } = await queue.enqueue(jobInput('doc-1', ['a']));
      await queue.release(ref(await claimOne(queue)), 1, { outcomeUnknown: true });
      if (queue.claimLane !== undefined) {
        const lane = { documentId: 'doc-1', scope: 'a', branch: 'main' };
        const claim = await queue.claimLane('r1', lane, 'lane-request');
        expect(claim?.job).toMatchObject({ id, outcomeUnknown: true });
        await queue.release(ref(claim as Claim), 2);
      }
      if (queue.reclaim !== undefined) {
        const claims = await queue.claim('r1', 1, 'named-request');
        const [again] = await queue.reclaim('r1', 'named-request');
        expect(claims[0]?.job.outcomeUnknown).toBe(true);
        expect(again?.job).toMatchObject({ id, outcomeUnknown: true });
      }
    });

    it('cannot be set by an enqueue', async () => {
      const { queue } = current();
      const input = { ...jobInput('doc-1', ['a']), outcomeUnknown: true } as unknown as JobInput;
      await expect(queue.enqueue(input)).rejects.toThrow(JobValidationError);
      await expect(queue.enqueue(input)).rejects.toThrow(/outcomeUnknown/);
      await expect(queue.enqueueMany([input])).rejects.toThrow(JobValidationError);
      const handler = { handler: 't', outcomeUnknown: true } as unknown as JobInput;
      await expect(queue.enqueue(handler)).rejects.toThrow(JobValidationError);
      expect(await queue.counts()).toMatchObject({ pending: 0 });
    });
  });
}
