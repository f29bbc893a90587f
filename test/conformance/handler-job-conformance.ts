/**
 * Handler jobs in the `IQueue` conformance suite (README: Handler jobs): every adapter stores a
 * handler job's type, input and keys, orders it by its keys, apart from document lanes, and keeps
 * the output given to `complete`. Declared inside `describeQueueConformance`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import type { Claim, ClaimRef, IQueue } from '../../src/adapters/ports.js';
import { JobValidationError } from '../../src/errors.js';
import { type JobInput, JobStatus } from '../../src/types.js';
import { jobInput } from './fixtures.js';

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });
const ids = (claims: Claim[]): string[] => claims.map((claim) => claim.job.id);
/** A handler job input, typed as the queue's `enqueue` takes it. */
const handlerJob = (input: Record<string, unknown>): JobInput => input as unknown as JobInput;

export function describeHandlerJobConformance(current: () => { queue: IQueue }): void {
  describe('handler jobs', () => {
    it('stores the handler, input and keys, and hands them out with the claim', async () => {
      const { queue } = current();
      const job = await queue.enqueue(
        handlerJob({
          id: 'h1',
          handler: 'email',
          input: { to: 'a@example.com', n: [1, 2] },
          keys: ['user-1', 'tenant-9'],
          maxRetries: 2,
          meta: { source: 'test' },
        }),
      );
      const expected = {
        id: 'h1',
        handler: 'email',
        input: { to: 'a@example.com', n: [1, 2] },
        keys: ['user-1', 'tenant-9'],
        actions: [],
        maxRetries: 2,
        meta: { source: 'test' },
      };
      expect(job).toMatchObject(expected);
      expect(await queue.get('h1')).toMatchObject({ ...expected, status: JobStatus.PENDING });
      const [claim] = await queue.claim('r1', 5);
      expect(claim?.job).toMatchObject({ ...expected, status: JobStatus.RUNNING, attempts: 1 });
    });

    it('runs the jobs of a key one at a time in enqueue order; a two-key job waits for both', async () => {
      const { queue } = current();
      await queue.enqueue(handlerJob({ id: 'a1', handler: 't', keys: ['a'] }));
      await queue.enqueue(handlerJob({ id: 'b1', handler: 't', keys: ['b'] }));
      await queue.enqueue(handlerJob({ id: 'ab', handler: 't', keys: ['b', 'a'] }));
      await queue.enqueue(handlerJob({ id: 'a2', handler: 't', keys: ['a'] }));
      const first = await queue.claim('r1', 10);
      expect(ids(first)).toEqual(['a1', 'b1']);
      const [a1, b1] = first as [Claim, Claim];
      await queue.complete(ref(a1), 1);
      expect(ids(await queue.claim('r1', 10))).toEqual([]);
      await queue.complete(ref(b1), 1);
      const [ab] = await queue.claim('r1', 10);
      expect(ab?.job.id).toBe('ab');
      await queue.release(ref(ab as Claim), 0);
      // Released, it keeps its place ahead of a2.
      const [again] = await queue.claim('r1', 10);
      expect(again?.job.id).toBe('ab');
      await queue.complete(ref(again as Claim), 1);
      expect(ids(await queue.claim('r1', 10))).toEqual(['a2']);
    });

    it('runs jobs without keys beside each other, and no key shares a lane with a document', async () => {
      const { queue } = current();
      await queue.enqueue(jobInput('doc', ['global'], { id: 'd1' }));
      await queue.enqueue(jobInput('doc', ['global'], { id: 'd2' }));
      await queue.enqueue(handlerJob({ id: 'global', handler: 't' }));
      await queue.enqueue(handlerJob({ id: 'k1', handler: 't', keys: ['global'] }));
      await queue.enqueue(handlerJob({ id: 'k2', handler: 't', keys: ['doc'] }));
      await queue.enqueue(handlerJob({ id: 'free1', handler: 't' }));
      await queue.enqueue(handlerJob({ id: 'free2', handler: 't', keys: [] }));
      expect(ids(await queue.claim('r1', 10))).toEqual([
        'd1',
        'global',
        'k1',
        'k2',
        'free1',
        'free2',
      ]);
    });

    it('keeps the output given to complete and reports it with the completed job', async () => {
      const { queue } = current();
      await queue.enqueue(handlerJob({ id: 'h', handler: 't', keys: ['k'] }));
      await queue.enqueue(handlerJob({ id: 'n', handler: 't', keys: ['k'] }));
      const [claim] = await queue.claim('r1', 1);
      const output = { sent: true, id: 'm-1', list: [1, 'two', null] };
      await queue.complete(ref(claim as Claim), 1, output);
      // Ending the claim again the same way is a no-op success that keeps the output.
      await queue.complete(ref(claim as Claim), 1, { other: true });
      expect(await queue.get('h')).toMatchObject({ status: JobStatus.COMPLETED, output });
      const [next] = await queue.claim('r1', 1);
      await queue.complete(ref(next as Claim), 1);
      expect((await queue.get('n'))?.output).toBeUndefined();
    });

    it('rejects an invalid handler job naming the field, and stores nothing', async () => {
      const { queue } = current();
      await expect(
        queue.enqueue(handlerJob({ handler: 't', keys: ['a', ''] })),
      ).rejects.toBeInstanceOf(JobValidationError);
      await expect(queue.enqueue(handlerJob({ handler: 't', scopes: ['a'] }))).rejects.toThrow(
        'Invalid `scopes`: unknown key "scopes"',
      );
      await expect(queue.enqueue(handlerJob({ handler: 't', input: 1n }))).rejects.toThrow(
        'Invalid `input`',
      );
      expect(await queue.counts()).toEqual({ pending: 0, running: 0, completed: 0, failed: 0 });
    });
  });
}
