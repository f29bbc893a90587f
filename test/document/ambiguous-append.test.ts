/**
 * An append that fails without saying whether it committed (the answer lost after the commit, or
 * the attempt aborted while it was in flight): the executor looks the job's operations up before
 * failing, and reports the job completed (replayed) when they are stored.
 */
import { describe, expect, it } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { AppendRequest } from '../../src/adapters/ports.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { JobError, JobErrorCodes, WriteConflictError } from '../../src/errors.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { JobStatus } from '../../src/types.js';
import { runUntil, SimulatedClock, seededRandom } from '../support/clock.js';
import { createDocument, toJob } from '../support/document-fixtures.js';
import { EventMonitor } from '../support/event-monitor.js';
import { interceptStore, type PortCall } from '../support/intercepted-ports.js';

const lost = () => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

/** An executor over a memory store whose calls pass through `before` / `after` hooks. */
async function harness(hooks: {
  before?: (call: PortCall) => void;
  after?: (call: PortCall) => void;
}) {
  const memory = new MemoryOperationStore();
  const calls: string[] = [];
  let armed = false; // the document is created without faults
  const store = interceptStore(memory, {
    before: (call) => {
      calls.push(call.method);
      if (armed) hooks.before?.(call);
    },
    after: (call) => {
      if (armed) hooks.after?.(call);
    },
  });
  const executor = new DocumentJobExecutor({ store, models: new ModelRegistry([counterModel]) });
  await createDocument(executor, 'd1');
  calls.length = 0;
  armed = true;
  return { memory, executor, calls };
}

const job = () =>
  toJob({ documentId: 'd1', scopes: ['global'], actions: [counterActions.increment(2)] });

describe('an append whose outcome is unknown', () => {
  it('committed, then its answer was lost: the job is reported completed (replayed)', async () => {
    let armed = true;
    const { executor, memory } = await harness({
      after: (call) => {
        if (call.method === 'append' && armed) {
          armed = false;
          throw lost();
        }
      },
    });
    const result = await executor.execute(job());
    expect(result.errorMessage).toBeUndefined();
    expect(result.success).toBe(true);
    expect(result.metadata?.replayed).toBe(true);
    expect(result.operations.map((op) => op.index)).toEqual([0]);
    expect(await memory.getOperations('d1', 'global', 'main')).toHaveLength(1);
  });

  it('the lookup is read again when it fails too', async () => {
    let appendArmed = true;
    let findArmed = true;
    const { executor } = await harness({
      before: (call) => {
        if (call.method === 'findOperations' && findArmed) {
          findArmed = false;
          throw lost();
        }
      },
      after: (call) => {
        if (call.method === 'append' && appendArmed) {
          appendArmed = false;
          throw lost();
        }
      },
    });
    expect((await executor.execute(job())).success).toBe(true);
  });

  it('committed while the attempt was aborted by its timeout: completed, not TIMEOUT', async () => {
    const controller = new AbortController();
    const timeout = new JobError(JobErrorCodes.TIMEOUT, 'timed out');
    const { executor, memory } = await harness({
      after: (call) => {
        if (call.method !== 'append') return;
        controller.abort(timeout);
        throw lost();
      },
    });
    const result = await executor.execute(job(), undefined, controller.signal);
    expect(result.success).toBe(true);
    expect(result.metadata?.replayed).toBe(true);
    expect(await memory.getHead('d1', 'global', 'main')).toBe(0);
  });

  it('failed before its effect: the error is reported (IO_ERROR, retryable), nothing is stored', async () => {
    const { executor, memory, calls } = await harness({
      before: (call) => {
        if (call.method === 'append') throw lost();
      },
    });
    const result = await executor.execute(job());
    expect(result.errorCode).toBe(JobErrorCodes.IO_ERROR);
    expect(calls).toContain('findOperations');
    expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
  });

  it('a write conflict is a failure; a refused aborted signal wrote nothing: no lookup', async () => {
    const controller = new AbortController();
    const timeout = new JobError(JobErrorCodes.TIMEOUT, 'timed out');
    const { executor, calls } = await harness({
      before: (call) => {
        if (call.method !== 'append') return;
        const request = call.args[0] as AppendRequest;
        if (request.signal === undefined) {
          throw new WriteConflictError('d1:global:main', -1, 0);
        }
        controller.abort(timeout); // the store then refuses it with the signal's reason
      },
    });
    const conflict = await executor.execute(job());
    expect(conflict.errorCode).toBe(JobErrorCodes.IO_ERROR);
    calls.length = 0;
    const aborted = await executor.execute(job(), undefined, controller.signal);
    expect(aborted.errorCode).toBe(JobErrorCodes.TIMEOUT);
    expect(calls).not.toContain('findOperations');
  });

  it('committed, its answer lost, and the lookup failing too: an error whose outcome is unknown', async () => {
    let appendArmed = true;
    const { executor, memory } = await harness({
      before: (call) => {
        if (call.method === 'findOperations') throw lost();
      },
      after: (call) => {
        if (call.method === 'append' && appendArmed) {
          appendArmed = false;
          throw lost();
        }
      },
    });
    const result = await executor.execute(job());
    expect(result.errorCode).toBe(JobErrorCodes.IO_ERROR);
    expect(result.error).toBeInstanceOf(JobError);
    expect((result.error as JobError).outcomeUnknown).toBe(true);
    expect(await memory.getOperations('d1', 'global', 'main')).toHaveLength(1);
  });
});

describe('a job whose write may be stored is never reported failed', () => {
  it('with no retries left it is retried until its outcome is known, then completes (replayed)', async () => {
    const clock = new SimulatedClock();
    clock.set(1_700_000_000_000);
    const bus = new MemoryEventBus();
    const queue = new MemoryQueue({ bus, clock });
    let appendFaults = 1;
    let readFaults = 3; // every read of the first lookup
    const { executor, memory } = await harness({
      before: (call) => {
        if (call.method === 'findOperations' && readFaults > 0) {
          readFaults -= 1;
          throw lost();
        }
      },
      after: (call) => {
        if (call.method === 'append' && appendFaults-- > 0) throw lost();
      },
    });
    const manager = new JobExecutorManager({
      queue,
      executor,
      bus,
      clock,
      random: seededRandom(1),
      onError: () => {},
    });
    const monitor = new EventMonitor(bus);
    await manager.start({ maxRetries: 0 });
    await queue.enqueue({
      id: 'j1',
      documentId: 'd1',
      scopes: ['global'],
      actions: [counterActions.increment(2)],
    });
    await runUntil(clock, () => monitor.count('jobCompleted') + monitor.count('jobFailed') === 1);
    expect(monitor.forJob('j1').filter((e) => e.startsWith('job'))).toEqual([
      'jobStarted',
      'jobRetry',
      'jobStarted',
      'jobCompleted',
    ]);
    const result = await manager.watch('j1');
    expect(result.metadata?.replayed).toBe(true);
    expect(await queue.get('j1')).toMatchObject({ status: JobStatus.COMPLETED, attempts: 2 });
    expect(await memory.getOperations('d1', 'global', 'main')).toHaveLength(1);
    await manager.stop();
    manager.dispose();
  });
});

describe('a write whose outcome is unknown survives a stop (README: Semantics, "Retries")', () => {
  it('released with its retries used, then claimed again: a transient failure is retried, and the job completes (replayed)', async () => {
    const clock = new SimulatedClock();
    clock.set(1_700_000_000_000);
    const bus = new MemoryEventBus();
    const queue = new MemoryQueue({ bus, clock });
    let phase: 'first run' | 'second run' = 'first run';
    let appendFaults = 1;
    let loadFaults = 1;
    const { executor, memory } = await harness({
      before: (call) => {
        // First run: the lookup after the lost answer fails every read (outcome unknown).
        if (phase === 'first run' && call.method === 'findOperations') throw lost();
        // Second run: the new attempt's first read of the document fails (a transient error).
        if (phase === 'second run' && call.method !== 'append' && loadFaults > 0) {
          loadFaults -= 1;
          throw lost();
        }
      },
      after: (call) => {
        if (call.method === 'append' && appendFaults-- > 0) throw lost(); // it committed
      },
    });
    const monitor = new EventMonitor(bus);
    const options = { queue, executor, bus, clock, random: seededRandom(1), onError: () => {} };
    const first = new JobExecutorManager(options);
    await first.start({ maxRetries: 0 });
    await queue.enqueue({
      id: 'j1',
      documentId: 'd1',
      scopes: ['global'],
      actions: [counterActions.increment(2)],
    });
    await runUntil(clock, () => monitor.count('jobRetry') === 1);
    // A stop while it backs off: the job goes back to the queue, its retries used up.
    await first.stop();
    first.dispose();
    expect(await queue.get('j1')).toMatchObject({
      status: JobStatus.PENDING,
      attempts: 1,
      outcomeUnknown: true,
    });
    expect(await memory.getOperations('d1', 'global', 'main')).toHaveLength(1);

    phase = 'second run';
    const second = new JobExecutorManager(options);
    await second.start({ maxRetries: 0 });
    await runUntil(clock, () => monitor.count('jobCompleted') + monitor.count('jobFailed') === 1);
    expect(loadFaults).toBe(0);
    expect(monitor.forJob('j1').filter((e) => e.startsWith('job'))).toEqual([
      'jobStarted',
      'jobRetry',
      'jobStarted',
      'jobRetry',
      'jobStarted',
      'jobCompleted',
    ]);
    expect((await second.watch('j1')).metadata?.replayed).toBe(true);
    const stored = await queue.get('j1');
    expect(stored).toMatchObject({ status: JobStatus.COMPLETED, attempts: 3 });
    expect(stored?.outcomeUnknown).toBeUndefined();
    expect(await memory.getOperations('d1', 'global', 'main')).toHaveLength(1);
    await second.stop();
    second.dispose();
  });
});

describe('a lost answer of an append that completed its claim, then a stop', () => {
  it('the refused release learns the claim ended so: jobCompleted is published once and watch resolves', async () => {
    const clock = new SimulatedClock();
    clock.set(1_700_000_000_000);
    const bus = new MemoryEventBus();
    const queue = new MemoryQueue({ bus, clock });
    // The storage's store completes the claim inside the append, as createReactor's storages do.
    const memory = new MemoryOperationStore({ claims: queue });
    let armed = false;
    let appendFaults = 1;
    const store = interceptStore(memory, {
      before: (call) => {
        // The lookup after the lost answer fails every read: the outcome stays unknown.
        if (armed && call.method === 'findOperations') throw lost();
      },
      after: (call) => {
        if (armed && call.method === 'append' && appendFaults-- > 0) throw lost(); // it committed
      },
    });
    const executor = new DocumentJobExecutor({ store, models: new ModelRegistry([counterModel]) });
    await createDocument(executor, 'd1');
    armed = true;
    const monitor = new EventMonitor(bus);
    const errors: unknown[] = [];
    const manager = new JobExecutorManager({
      queue,
      executor,
      bus,
      clock,
      random: seededRandom(1),
      onError: (error) => errors.push(error),
    });
    await manager.start({ maxRetries: 0 });
    await queue.enqueue({
      id: 'j1',
      documentId: 'd1',
      scopes: ['global'],
      actions: [counterActions.increment(2)],
    });
    const watching = manager.watch('j1');
    await runUntil(clock, () => monitor.count('jobRetry') === 1);
    // The append completed the claim: the queue shows it before anyone reported it.
    expect(await queue.get('j1')).toMatchObject({ status: JobStatus.COMPLETED });
    await manager.stop(); // during the backoff: the lane releases the job, which is refused
    expect(monitor.forJob('j1').filter((e) => e.startsWith('job'))).toEqual([
      'jobStarted',
      'jobRetry',
      'jobCompleted',
    ]);
    const result = await watching;
    expect(result).toMatchObject({ success: true, job: { id: 'j1', status: JobStatus.COMPLETED } });
    expect(await memory.getOperations('d1', 'global', 'main')).toHaveLength(1);
    expect((await manager.getStatus()).totalJobsSucceeded).toBe(1);
    manager.dispose();
  });
});
