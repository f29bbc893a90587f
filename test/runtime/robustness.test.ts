/**
 * The runtime under faults that are not the job's: a throwing bus or `onError`, a lane action that
 * throws, a queue whose writes become visible before they are acknowledged, a claim returning as
 * the executor stops, and settings changed at `start`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IEventBus, IQueue } from '../../src/adapters/ports.js';
import { JobErrorCodes } from '../../src/errors.js';
import { JobExecutorEventTypes } from '../../src/events.js';
import { MAX_DELAY } from '../../src/options.js';
import { flush, nextDue, runUntil, SimulatedClock, seededRandom } from '../support/clock.js';
import { EventMonitor } from '../support/event-monitor.js';
import { jobInput } from '../support/runtime.js';
import { type Script, ScriptedExecutor } from '../support/scripted-executor.js';

const managers: JobExecutorManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

/** A manager over memory adapters; `wrapQueue`/`wrapBus` put a fault in front of them. */
function build(
  options: {
    script?: Script;
    random?: () => number;
    onError?: (error: unknown) => void;
    wrapQueue?: (queue: MemoryQueue, clock: SimulatedClock) => IQueue;
    wrapBus?: (bus: MemoryEventBus) => IEventBus;
  } = {},
) {
  const clock = new SimulatedClock();
  clock.set(1_700_000_000_000);
  const memoryBus = new MemoryEventBus();
  const memoryQueue = new MemoryQueue({ bus: memoryBus, clock });
  const queue = options.wrapQueue?.(memoryQueue, clock) ?? memoryQueue;
  const bus = options.wrapBus?.(memoryBus) ?? memoryBus;
  const errors: unknown[] = [];
  const executor = new ScriptedExecutor(clock, options.script);
  const manager = new JobExecutorManager({
    queue,
    bus,
    executor,
    clock,
    random: options.random ?? seededRandom(7),
    onError:
      options.onError ??
      ((error) => {
        errors.push(error);
      }),
  });
  managers.push(manager);
  const monitor = new EventMonitor(memoryBus);
  return { clock, queue: memoryQueue, manager, monitor, errors, executor };
}

/** A queue whose method `name` is reached through `replace` (other methods unchanged). */
function intercept(queue: MemoryQueue, replace: Partial<Record<keyof IQueue, unknown>>): IQueue {
  return new Proxy(queue, {
    get(target, prop) {
      if (prop in replace) return replace[prop as keyof IQueue];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as IQueue;
}

describe('runtime robustness', () => {
  it('a bus whose publish throws and an onError that throws are contained: jobs still complete and stop resolves', async () => {
    const reported: unknown[] = [];
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { clock, queue, manager } = build({
      wrapBus: (bus) => ({
        subscribe: bus.subscribe.bind(bus),
        publish: (type: number, payload: unknown) => {
          if (type === JobExecutorEventTypes.JOB_STARTED) throw new Error('bus down');
          bus.publish(type, payload);
        },
      }),
      onError: (error) => {
        reported.push(error);
        throw new Error('onError throws too');
      },
    });
    await manager.start({ maxConcurrency: 2 });
    await queue.enqueueMany([jobInput('j1', 'd1', ['global']), jobInput('j2', 'd1', ['global'])]);
    await runUntil(clock, () => reported.length === 2);
    await runUntil(clock, () => manager.supervisorActor.getSnapshot().context.inFlight === 0);
    expect((await queue.get('j1'))?.status).toBe('COMPLETED');
    expect((await queue.get('j2'))?.status).toBe('COMPLETED');
    expect(reported.map((e) => (e as Error).message)).toEqual(['bus down', 'bus down']);
    // The last resort when onError itself throws.
    expect(consoleError).toHaveBeenCalledTimes(2);
    consoleError.mockRestore();
    await manager.stop();
  });

  it('jobStarted is published only when the bus may have a listener: a bus saying 0 gets none, one whose count throws gets all', async () => {
    for (const count of ['zero', 'throws'] as const) {
      const published: number[] = [];
      const { clock, queue, manager } = build({
        wrapBus: (bus) => ({
          subscribe: bus.subscribe.bind(bus),
          publish: (type: number, payload: unknown) => {
            published.push(type);
            bus.publish(type, payload);
          },
          listenerCount: () => {
            if (count === 'throws') throw new Error('cannot tell');
            return 0;
          },
        }),
      });
      await manager.start({ maxConcurrency: 2 });
      await queue.enqueueMany([jobInput('j1', 'd1', ['global']), jobInput('j2', 'd1', ['global'])]);
      await runUntil(
        clock,
        () => published.filter((t) => t === JobExecutorEventTypes.JOB_COMPLETED).length === 2,
      );
      const started = published.filter((t) => t === JobExecutorEventTypes.JOB_STARTED).length;
      expect(started).toBe(count === 'zero' ? 0 : 2);
      await manager.stop();
    }
  });

  it('a lane action that throws gives the job back in its place; the slot is freed and the lane goes on', async () => {
    let calls = 0;
    const { clock, queue, manager, monitor, errors } = build({
      // j1's first attempt fails with a retryable error; choosing its backoff then throws once.
      script: (job, attempt) =>
        job.id === 'j1' && attempt === 1
          ? { kind: 'fail', code: JobErrorCodes.IO_ERROR }
          : { kind: 'ok', after: 5 },
      random: () => {
        calls++;
        if (calls === 1) throw new Error('broken random');
        return 0.5;
      },
    });
    await manager.start({ maxConcurrency: 1 });
    await queue.enqueueMany([jobInput('j1', 'd1', ['global']), jobInput('j2', 'd1', ['global'])]);
    await runUntil(clock, () => monitor.count('jobCompleted') === 2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['broken random']);
    expect(monitor.trace((e) => e.name !== 'executorStarted')).toEqual([
      'jobStarted:j1',
      'jobStarted:j1', // claimed again after the lane failed: its second attempt
      'jobCompleted:j1',
      'jobStarted:j2',
      'jobCompleted:j2',
    ]);
    expect((await queue.get('j1'))?.attempts).toBe(2);
    expect(manager.supervisorActor.getSnapshot().context).toMatchObject({ used: 0, inFlight: 0 });
    await manager.stop();
  });

  it('jobCompleted precedes the next jobStarted of the lane even when the queue shows a completion before acknowledging it', async () => {
    const { clock, queue, manager, monitor } = build({
      script: (job) => ({ kind: 'ok', after: job.id === 'm0' ? 2 : 1 }),
      // Lane L's completions are visible to the next claim at once, acknowledged 4 ms later (a
      // networked database answering another connection first); lane M's at once.
      wrapQueue: (memory, simulated) =>
        intercept(memory, {
          complete: async (...args: Parameters<IQueue['complete']>) => {
            await memory.complete(...args);
            if (args[0].jobId.startsWith('l')) {
              await new Promise((resolve) => simulated.setTimeout(resolve, 4));
            }
          },
        }),
    });
    await manager.start({ maxConcurrency: 2 });
    await queue.enqueueMany([
      jobInput('l0', 'L', ['global']),
      jobInput('m0', 'M', ['global']),
      jobInput('l1', 'L', ['global']),
    ]);
    // m0's slot frees at t=2 while l0's completion (t=1) is visible but unacknowledged (t=5):
    // l1 is claimable then, and must wait for l0's jobCompleted before it starts.
    await runUntil(clock, () => monitor.count('jobCompleted') === 3);
    expect(monitor.trace((e) => e.payload?.job?.documentId === 'L')).toEqual([
      'jobStarted:l0',
      'jobCompleted:l0',
      'jobStarted:l1',
      'jobCompleted:l1',
    ]);
    await manager.stop();
  });

  it('a claim that returns as the executor stops leaves no wake-up timer behind', async () => {
    const { clock, queue, manager } = build({
      wrapQueue: (memory, simulated) =>
        intercept(memory, {
          claim: async (...args: Parameters<IQueue['claim']>) => {
            await new Promise((resolve) => simulated.setTimeout(resolve, 5));
            return memory.claim(...args);
          },
        }),
    });
    await queue.enqueue({ ...jobInput('later', 'd1', ['global']), runAt: clock.now() + 3_600_000 });
    await manager.start();
    await flush();
    const stopped = manager.stop(false);
    await runUntil(clock, () => manager.supervisorActor.getSnapshot().matches('stopped'));
    await stopped;
    await flush();
    expect(nextDue(clock)).toBeUndefined();
  });

  it('a delayed job due beyond the timer range arms one wake-up within it, not a busy loop', async () => {
    const { clock, queue, manager } = build();
    await queue.enqueue({
      ...jobInput('next-month', 'd1', ['global']),
      runAt: clock.now() + 30 * 24 * 3_600_000,
    });
    await manager.start();
    await flush();
    const due = nextDue(clock);
    expect(due).toBeDefined();
    expect(due! - clock.now()).toBe(MAX_DELAY);
    await manager.stop();
  });

  it('new JobExecutorManager rejects wrong-typed hooks, naming them', () => {
    const bus = new MemoryEventBus();
    const deps = {
      queue: new MemoryQueue({ bus }),
      bus,
      executor: new ScriptedExecutor(new SimulatedClock()),
    };
    expect(() => new JobExecutorManager({ ...deps, random: 0.5 as never })).toThrow(
      /`random` to be a function, got 0\.5/,
    );
    expect(() => new JobExecutorManager({ ...deps, laneFailurePolicy: 'halted' as never })).toThrow(
      /`laneFailurePolicy` to be 'continue' or 'halt'/,
    );
  });

  it('laneIdleTimeout and maxResidentLanes given to start() apply', async () => {
    const { clock, queue, manager, monitor } = build();
    await manager.start({ maxResidentLanes: 0 });
    await queue.enqueueMany([1, 2, 3, 4, 5].map((d) => jobInput(`j${d}`, `d${d}`, ['global'])));
    await runUntil(clock, () => monitor.count('jobCompleted') === 5);
    await flush();
    expect(manager.residentLanes).toBe(0);
    await manager.stop();
  });
});
