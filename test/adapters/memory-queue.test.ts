import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { Claim } from '../../src/adapters/ports.js';
import { JobValidationError } from '../../src/errors.js';
import { EventTypes } from '../../src/events.js';
import { JobStatus } from '../../src/types.js';
import { jobInput, T0 } from '../conformance/fixtures.js';

function setup(options: { retainFinished?: number } = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  let n = 0;
  const queue = new MemoryQueue({ clock, idFactory: () => `job-${++n}`, ...options });
  return { clock, queue };
}

async function runAll(queue: MemoryQueue): Promise<string[]> {
  const done: string[] = [];
  for (;;) {
    const claims: Claim[] = await queue.claim('r', 1_000);
    if (claims.length === 0) return done;
    for (const claim of claims) {
      await queue.complete({ jobId: claim.job.id, token: claim.token }, claim.job.attempts);
      done.push(claim.job.id);
    }
  }
}

describe('MemoryQueue', () => {
  it('uses the id factory for jobs without an id', async () => {
    const { queue } = setup();
    expect((await queue.enqueue(jobInput('d', ['a']))).id).toBe('job-1');
    expect(
      (await queue.enqueueMany([jobInput('d', ['a']), jobInput('d', ['a'])])).map((j) => j.id),
    ).toEqual(['job-2', 'job-3']);
  });

  it('rejects a generated id that is already taken', async () => {
    const queue = new MemoryQueue({ idFactory: () => 'same' });
    await queue.enqueue(jobInput('d', ['a']));
    await expect(queue.enqueue(jobInput('d', ['a']))).rejects.toMatchObject({ field: 'id' });
    await expect(queue.enqueueMany([jobInput('d', ['b'])])).rejects.toBeInstanceOf(
      JobValidationError,
    );
    expect(await queue.backlog()).toBe(1);
  });

  it('rejects a bad retainFinished', () => {
    expect(() => new MemoryQueue({ retainFinished: -1 })).toThrow(JobValidationError);
    expect(() => new MemoryQueue({ retainFinished: 1.5 })).toThrow(/retainFinished/);
  });

  it('keeps the last retainFinished finished jobs, dropping the oldest from get and counts', async () => {
    const { queue } = setup({ retainFinished: 2 });
    await queue.enqueueMany([1, 2, 3].map(() => jobInput('d', ['a'])));
    expect(await runAll(queue)).toEqual(['job-1', 'job-2', 'job-3']);
    expect(await queue.get('job-1')).toBeUndefined();
    expect(await queue.get('job-2')).toMatchObject({ status: JobStatus.COMPLETED });
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, completed: 2, failed: 0 });
    // A dropped id may be used again.
    expect((await queue.enqueue(jobInput('d', ['a'], { id: 'job-1' }))).id).toBe('job-1');
  });

  it('never drops a halted job, however many jobs finish after it', async () => {
    const { queue } = setup({ retainFinished: 0 });
    await queue.enqueueMany([jobInput('d', ['a']), jobInput('d', ['a']), jobInput('e', ['a'])]);
    const [first, other] = await queue.claim('r', 10);
    await queue.fail(
      { jobId: first?.job.id as string, token: first?.token as string },
      { attempts: 1, errorCode: 1, errorMessage: 'x', halt: true },
    );
    await queue.complete({ jobId: other?.job.id as string, token: other?.token as string }, 1);
    expect(await queue.get('job-3')).toBeUndefined();
    expect(await queue.get('job-1')).toMatchObject({ halted: true });
    expect(await queue.blockedLanes()).toHaveLength(1);
    await queue.skip('job-1');
    expect(await queue.get('job-1')).toBeUndefined();
    expect(await runAll(queue)).toEqual(['job-2']);
  });

  it('reclaims the latest 4,096 claim calls, claimLane ones included, and forgets older ones', async () => {
    const { queue } = setup();
    const lanes = Array.from({ length: 4_098 }, (_, i) => jobInput(`d${i}`, ['a']));
    await queue.enqueueMany([...lanes, jobInput('d0', ['a'])]);
    const [oldest] = await queue.claim('r', 1, 'call-0');
    for (let i = 1; i < 4_097; i++) await queue.claim('r', 1, `call-${i}`);
    await queue.complete({ jobId: oldest!.job.id, token: oldest!.token }, 1);
    const next = await queue.claimLane(
      'r',
      { documentId: 'd0', scope: 'a', branch: 'main' },
      'lane-call',
    );
    expect(next).toBeDefined();
    // 'call-0' and 'call-1' are past the last 4,096 calls; 'call-2' is the oldest kept.
    expect(await queue.reclaim('r', 'call-1')).toEqual([]);
    expect((await queue.reclaim('r', 'call-2')).map((c) => c.job.id)).toEqual(['job-3']);
    expect(await queue.reclaim('r', 'lane-call')).toEqual([next]);
    expect(await queue.reclaim('other', 'lane-call')).toEqual([]);
  });

  it('publishes jobAvailable when a cancel frees a lane', async () => {
    const bus = new MemoryEventBus();
    const queue = new MemoryQueue({ bus });
    await queue.enqueue(jobInput('d', ['a'], { id: 'later', runAt: Date.now() + 60_000 }));
    let published = 0;
    bus.subscribe(EventTypes.JOB_AVAILABLE, () => {
      published += 1;
    });
    await queue.cancel('later');
    expect(published).toBe(1);
  });

  it('keeps lane order through FIFO compaction in a long lane', async () => {
    const { queue } = setup();
    const jobs = await queue.enqueueMany(Array.from({ length: 5_000 }, () => jobInput('d', ['a'])));
    const cancelled = new Set(jobs.filter((_, i) => i % 7 === 3).map((job) => job.id));
    for (const id of cancelled) expect(await queue.cancel(id)).toBe(true);
    const done = await runAll(queue);
    expect(done).toEqual(jobs.map((job) => job.id).filter((id) => !cancelled.has(id)));
  });

  it('drains 20,000 one-job lanes and a 20,000-job lane, the deep lane in order', async () => {
    const { queue } = setup();
    await queue.enqueueMany(Array.from({ length: 20_000 }, (_, i) => jobInput(`d${i}`, ['a'])));
    const deep = await queue.enqueueMany(
      Array.from({ length: 20_000 }, () => jobInput('deep', ['a'])),
    );
    const deepIds = new Set(deep.map((job) => job.id));
    const done = await runAll(queue);
    expect(done).toHaveLength(40_000);
    expect(done.filter((id) => deepIds.has(id))).toEqual(deep.map((job) => job.id));
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, completed: 40_000, failed: 0 });
  });
});
