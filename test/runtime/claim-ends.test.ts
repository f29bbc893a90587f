/**
 * The ends of claims (`complete`, `fail`, `release`) under a failing queue: retried with capped
 * backoff on the injected clock until written; on a queue with a reaper (`abandon`) given up after
 * `CLAIM_END_TRIES` tries; given up as the executor stops, so `stop()` resolves. The lane goes on
 * after the job's outcome is out, and a retry after a write that took effect is a no-op success.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import {
  CLAIM_END_MAX_DELAY,
  CLAIM_END_TRIES,
  ClaimEndAbandonedError,
} from '../../src/actors/job-outcomes.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { ClaimRef, IQueue } from '../../src/adapters/ports.js';
import { JobErrorCodes } from '../../src/errors.js';
import { JobStatus } from '../../src/types.js';
import { flush, runUntil, SimulatedClock, seededRandom } from '../support/clock.js';
import { EventMonitor } from '../support/event-monitor.js';
import { interceptQueue, type PortCall } from '../support/intercepted-ports.js';
import { jobInput } from '../support/runtime.js';
import { type Script, ScriptedExecutor } from '../support/scripted-executor.js';

const managers: JobExecutorManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

/**
 * Fails the next `times` calls of `method`, before (`when: 'before'`) or after its effect, from
 * its `from`-th call on (default: the first).
 */
type Fault = {
  method: 'complete' | 'fail' | 'release';
  when: 'before' | 'after';
  times: number;
  from?: number;
};

function build(options: { faults: Fault[]; script?: Script; abandon?: boolean }) {
  const clock = new SimulatedClock();
  clock.set(1_700_000_000_000);
  const bus = new MemoryEventBus();
  const memory = new MemoryQueue({ bus, clock });
  const left = options.faults.map((fault) => ({ ...fault }));
  const calls: { method: string; at: number }[] = [];
  const hit = (call: PortCall, when: 'before' | 'after') => {
    if (when === 'before') calls.push({ method: call.method, at: clock.now() });
    const nth = calls.filter((c) => c.method === call.method).length;
    const fault = left.find(
      (f) => f.method === call.method && f.when === when && f.times > 0 && nth >= (f.from ?? 1),
    );
    if (fault === undefined) return;
    fault.times -= 1;
    throw Object.assign(new Error(`injected ${call.method} fault ${when} the effect`), {
      code: 'ECONNRESET',
    });
  };
  const intercepted = interceptQueue(memory, {
    before: (call) => hit(call, 'before'),
    after: (call) => hit(call, 'after'),
  });
  const abandoned: ClaimRef[] = [];
  // A durable-like queue: one that can stop heartbeating a claim (it has a reaper).
  const queue: IQueue = options.abandon
    ? Object.assign(Object.create(intercepted) as IQueue, {
        abandon: (ref: ClaimRef) => {
          abandoned.push(ref);
        },
      })
    : intercepted;
  const errors: unknown[] = [];
  const manager = new JobExecutorManager({
    queue,
    bus,
    executor: new ScriptedExecutor(clock, options.script),
    clock,
    random: seededRandom(3),
    onError: (error) => errors.push(error),
  });
  managers.push(manager);
  const monitor = new EventMonitor(bus);
  return { clock, memory, manager, monitor, errors, calls, abandoned };
}

const laneTrace = (monitor: EventMonitor) =>
  monitor.trace((e) => ['jobStarted', 'jobCompleted', 'jobFailed'].includes(e.name));

describe('ends of claims under a failing queue', () => {
  for (const when of ['before', 'after'] as const) {
    it(`a complete that fails ${when} its effect is retried: the job completes and its lane goes on`, async () => {
      const { clock, memory, manager, monitor, calls } = build({
        faults: [{ method: 'complete', when, times: 2 }],
      });
      await manager.start({ maxConcurrency: 2 });
      await memory.enqueueMany([jobInput('j1', 'D', ['global']), jobInput('j2', 'D', ['global'])]);
      await runUntil(clock, () => monitor.count('jobCompleted') === 2);
      expect(laneTrace(monitor)).toEqual([
        'jobStarted:j1',
        'jobCompleted:j1',
        'jobStarted:j2',
        'jobCompleted:j2',
      ]);
      // Three tries of j1's complete, 50 then 100 ms apart (the injected clock).
      const tries = calls.filter((c) => c.method === 'complete').slice(0, 3);
      expect(tries.map((c) => c.at - tries[0]!.at)).toEqual([0, 50, 150]);
      expect(await memory.get('j1')).toMatchObject({ status: JobStatus.COMPLETED, attempts: 1 });
      expect(await memory.counts()).toEqual({ pending: 0, running: 0, completed: 2, failed: 0 });
      await manager.stop();
    });
  }

  it('a fail that is lost after its effect is retried: jobFailed comes once, the lane goes on', async () => {
    const { clock, memory, manager, monitor } = build({
      faults: [{ method: 'fail', when: 'after', times: 1 }],
      script: (job) =>
        job.id === 'j1' ? { kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR } : { kind: 'ok' },
    });
    await manager.start();
    await memory.enqueueMany([jobInput('j1', 'D', ['global']), jobInput('j2', 'D', ['global'])]);
    await runUntil(clock, () => monitor.count('jobCompleted') === 1);
    expect(laneTrace(monitor)).toEqual([
      'jobStarted:j1',
      'jobFailed:j1',
      'jobStarted:j2',
      'jobCompleted:j2',
    ]);
    expect((await manager.watch('j1')).errorCode).toBe(JobErrorCodes.LIBRARY_ERROR);
    await manager.stop();
  });

  it('a release that fails is retried: the job is pending again and runs after a restart', async () => {
    const { clock, memory, manager, monitor } = build({
      faults: [
        { method: 'release', when: 'before', times: 1 },
        { method: 'release', when: 'after', times: 1 },
      ],
      script: () => ({ kind: 'hang' }),
    });
    await manager.start();
    await memory.enqueue(jobInput('j1', 'D', ['global']));
    await runUntil(clock, () => monitor.count('jobStarted') === 1);
    const stopped = manager.stop(false);
    await runUntil(clock, () => manager.supervisorActor.getSnapshot().matches('stopped'));
    await stopped;
    expect(await memory.get('j1')).toMatchObject({ status: JobStatus.PENDING, attempts: 0 });
  });

  it('on a queue without a reaper (memory) the end is retried past the bound while running, with capped delays', async () => {
    const { clock, memory, manager, monitor, calls, abandoned } = build({
      faults: [{ method: 'complete', when: 'before', times: CLAIM_END_TRIES + 6 }],
    });
    await manager.start();
    await memory.enqueue(jobInput('j1', 'D', ['global']));
    await runUntil(clock, () => monitor.count('jobCompleted') === 1);
    const tries = calls.filter((c) => c.method === 'complete');
    expect(tries).toHaveLength(CLAIM_END_TRIES + 7);
    const gaps = tries.slice(1).map((c, i) => c.at - tries[i]!.at);
    expect(Math.max(...gaps)).toBe(CLAIM_END_MAX_DELAY);
    expect(abandoned).toEqual([]);
    await manager.stop();
  });

  it('on a queue with a reaper the claim is abandoned after the bounded tries, and stop resolves', async () => {
    const { clock, memory, manager, monitor, errors, calls, abandoned } = build({
      faults: [{ method: 'complete', when: 'before', times: 1_000 }],
      abandon: true,
    });
    await manager.start();
    await memory.enqueue(jobInput('j1', 'D', ['global']));
    await runUntil(clock, () => abandoned.length === 1);
    expect(abandoned[0]?.jobId).toBe('j1');
    expect(calls.filter((c) => c.method === 'complete')).toHaveLength(CLAIM_END_TRIES);
    expect(errors.some((e) => e instanceof ClaimEndAbandonedError)).toBe(true);
    // Never reported: the reaper returns it and its replay reports the outcome.
    expect(monitor.count('jobCompleted')).toBe(0);
    await flush();
    expect(manager.supervisorActor.getSnapshot().context).toMatchObject({ used: 0, inFlight: 0 });
    await manager.stop();
  });

  it('a complete that took effect on one of its failed tries is reported when it is given up, not abandoned', async () => {
    // The first try is written and its answer lost; the tries after it fail before their effect.
    const { clock, memory, manager, monitor, abandoned } = build({
      faults: [
        { method: 'complete', when: 'after', times: 1 },
        { method: 'complete', when: 'before', times: 1_000, from: 2 },
      ],
      abandon: true,
    });
    await manager.start();
    await memory.enqueue(jobInput('j1', 'D', ['global']));
    await runUntil(clock, () => monitor.count('jobCompleted') === 1);
    expect(abandoned).toEqual([]);
    expect((await manager.watch('j1')).metadata?.fromRecord).toBeUndefined();
    expect(await memory.get('j1')).toMatchObject({ status: JobStatus.COMPLETED });
    await manager.stop();
  });

  it('stop resolves on a queue without a reaper whose end keeps failing (given up after the bounded tries)', async () => {
    const { clock, memory, manager, monitor, errors } = build({
      faults: [{ method: 'complete', when: 'before', times: 1_000 }],
    });
    await manager.start();
    await memory.enqueue(jobInput('j1', 'D', ['global']));
    await runUntil(clock, () => monitor.count('jobStarted') === 1);
    const stopped = manager.stop();
    await runUntil(clock, () => manager.supervisorActor.getSnapshot().matches('stopped'));
    await stopped;
    expect(errors.some((e) => e instanceof ClaimEndAbandonedError)).toBe(true);
  });
});
