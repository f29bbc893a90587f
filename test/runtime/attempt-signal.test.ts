/**
 * The attempt's signal (README: Semantics, "Execution of one job"): an executor gets a real
 * signal as the 3rd argument, whatever its declared parameters; one that asks for it in its attempt context (`attemptSignal: true`) reads the
 * lazy `attempt.signal`, which fires on timeout all the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import { JobError, JobErrorCodes } from '../../src/errors.js';
import type { AttemptContext, IJobExecutor, Job, JobResult } from '../../src/types.js';
import { runUntil, SimulatedClock } from '../support/clock.js';
import { jobInput } from '../support/runtime.js';

let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

/** Runs one job that never finishes on its own; returns what the executor saw. */
async function runTimedOut(make: (seen: Seen) => IJobExecutor) {
  const clock = new SimulatedClock();
  const bus = new MemoryEventBus();
  const queue = new MemoryQueue({ bus, clock });
  const seen: Seen = { third: [], fired: [] };
  const manager = new JobExecutorManager({
    queue,
    bus,
    clock,
    executor: make(seen),
    config: { jobTimeout: 100, maxRetries: 0 },
    onError: () => {},
  });
  dispose = () => manager.dispose();
  await manager.start();
  await queue.enqueue(jobInput('j1', 'd1', ['global']));
  await runUntil(clock, () => seen.third.length === 1, 10);
  clock.increment(100);
  const result = await manager.watch('j1');
  return { seen, result };
}

type Seen = { third: unknown[]; fired: unknown[] };

/** Settles as the signal fires, with its reason. */
function untilAborted(signal: AbortSignal, seen: Seen, job: Job): Promise<JobResult> {
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => {
      seen.fired.push(signal.reason);
      const error = signal.reason as JobError;
      resolve({
        job,
        success: false,
        completedAt: '',
        duration: 0,
        operations: [],
        errorCode: error.code,
        errorMessage: error.message,
        error,
      });
    });
  });
}

describe('attempt signal', () => {
  it('gives execute(job, config, signal) a real signal that fires on timeout', async () => {
    const { seen, result } = await runTimedOut((seen) => ({
      execute(job, _config, signal) {
        seen.third.push(signal);
        return untilAborted(signal!, seen, job);
      },
    }));
    expect(seen.third[0]).toBeInstanceOf(AbortSignal);
    expect(seen.fired).toHaveLength(1);
    expect(result.errorCode).toBe(JobErrorCodes.TIMEOUT);
  });

  it('gives a forwarding (...args) wrapper the real signal', async () => {
    const { seen, result } = await runTimedOut((seen) => ({
      execute: (...args: unknown[]) => {
        seen.third.push(args[2]);
        return untilAborted(args[2] as AbortSignal, seen, args[0] as Job);
      },
    }));
    expect(seen.third[0]).toBeInstanceOf(AbortSignal);
    expect(result.errorCode).toBe(JobErrorCodes.TIMEOUT);
  });

  it('gives execute(job, config, signal = undefined) (length 2) a real signal', async () => {
    const { seen, result } = await runTimedOut((seen) => ({
      execute: ((job: Job, _config?: unknown, signal: AbortSignal | undefined = undefined) => {
        seen.third.push(signal);
        return untilAborted(signal!, seen, job);
      }) as IJobExecutor['execute'],
    }));
    expect(seen.third[0]).toBeInstanceOf(AbortSignal);
    expect(result.errorCode).toBe(JobErrorCodes.TIMEOUT);
  });

  it('gives execute(job) a real signal too (it may read arguments or be wrapped)', async () => {
    const { seen } = await runTimedOut((seen) => ({
      execute(job: Job) {
        // biome-ignore lint/complexity/noArguments: reads the signal the way old code may
        const signal = arguments[2] as AbortSignal;
        seen.third.push(signal);
        return untilAborted(signal, seen, job);
      },
    }));
    expect(seen.third[0]).toBeInstanceOf(AbortSignal);
  });

  it('gives an executor reading attempt.signal (attemptSignal: true) no 3rd argument; that signal fires', async () => {
    const { seen, result } = await runTimedOut((seen) => ({
      attemptSignal: true,
      execute(job, _config, signal, attempt) {
        seen.third.push(signal);
        return untilAborted((attempt as AttemptContext).signal, seen, job);
      },
    }));
    expect(seen.third[0]).toBeUndefined();
    expect(seen.fired[0]).toBeInstanceOf(JobError);
    expect(result.errorCode).toBe(JobErrorCodes.TIMEOUT);
  });
});
