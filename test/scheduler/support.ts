/** Helpers of the scheduler tests: a queue that records (and can fail) enqueues, a tick job. */
import type { IQueue } from '../../src/adapters/ports.js';
import type { Job, JobInput } from '../../src/types.js';

/** Wraps a queue: records every enqueue call, and fails the next `failNext` of them. */
export function recordingQueue(queue: IQueue) {
  const calls: JobInput[] = [];
  const enqueued: Job[] = [];
  const state = { failNext: 0 };
  const enqueue = async (input: JobInput): Promise<Job> => {
    calls.push(input);
    if (state.failNext > 0) {
      state.failNext--;
      throw new Error('queue unreachable');
    }
    const job = await queue.enqueue(input);
    enqueued.push(job);
    return job;
  };
  // The memory queue keeps its state in private fields: call its methods on itself.
  const wrapped = new Proxy(queue, {
    get(target, prop) {
      if (prop === 'enqueue') return enqueue;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { queue: wrapped, calls, enqueued, state };
}

/** A job input for schedules (no id: the scheduler gives one per tick). */
export function tickInput(documentId = 'doc-1', scope = 'global'): JobInput {
  return {
    documentId,
    scopes: [scope],
    actions: [
      { id: 'tick', type: 'NOOP', scope, input: {}, timestampUtcMs: new Date(0).toISOString() },
    ],
  };
}

/** The instants of the ticks enqueued, as ISO strings (from `meta.tickAt`). */
export function tickTimes(jobs: { meta?: Record<string, unknown> }[]): string[] {
  return jobs.map((job) => String(job.meta?.tickAt));
}
