/**
 * Lane batching: a finished job's slot runs its lane's next head at once (`IQueue.claimLane`), at
 * most `laneBatchSize` jobs in a row, and gives a claim back cleanly when the executor paused
 * while the claim was on its way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { Claim, IQueue } from '../../src/adapters/ports.js';
import type { ExecutorOptions } from '../../src/options.js';
import { flush, runUntil, SimulatedClock } from '../support/clock.js';
import { EventMonitor } from '../support/event-monitor.js';
import { jobInput } from '../support/runtime.js';
import { ScriptedExecutor } from '../support/scripted-executor.js';

/** A memory queue whose `claimLane` answers only when `open()` is called, when gated. */
class GatedQueue extends MemoryQueue {
  gated = false;
  calls = 0;
  private waiting: (() => void)[] = [];

  override async claimLane(...args: Parameters<MemoryQueue['claimLane']>) {
    this.calls++;
    if (this.gated) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.claimLane(...args);
  }

  open(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
});

function setup(config: ExecutorOptions) {
  const clock = new SimulatedClock();
  clock.set(1_700_000_000_000);
  const bus = new MemoryEventBus();
  const queue = new GatedQueue({ bus, clock });
  const executor = new ScriptedExecutor(clock);
  const errors: unknown[] = [];
  const manager = new JobExecutorManager({
    queue,
    bus,
    executor,
    clock,
    config: { laneIdleTimeout: 1_000, ...config },
    onError: (error) => errors.push(error),
  });
  const monitor = new EventMonitor(bus);
  dispose = () => manager.dispose();
  const started = () => monitor.trace((e) => e.name === 'jobStarted');
  return { clock, queue, executor, manager, monitor, errors, started };
}

describe('lane batching', () => {
  it('runs the lane’s next job on the freed slot, at most laneBatchSize in a row', async () => {
    const rt = setup({ maxConcurrency: 1, laneBatchSize: 2 });
    await rt.queue.enqueueMany([
      jobInput('a1', 'A', ['global']),
      jobInput('b1', 'B', ['global']),
      jobInput('a2', 'A', ['global']),
      jobInput('a3', 'A', ['global']),
    ]);
    await rt.manager.start();
    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 4);
    // a2 goes ahead of the older b1 on a1's slot; then the slot goes back and b1 is claimed.
    expect(rt.started()).toEqual([
      'jobStarted:a1',
      'jobStarted:a2',
      'jobStarted:b1',
      'jobStarted:a3',
    ]);
    expect(rt.executor.violations).toEqual([]);
    await rt.manager.stop();
  });

  it('claims oldest first without batching (laneBatchSize 1)', async () => {
    const rt = setup({ maxConcurrency: 1, laneBatchSize: 1 });
    await rt.queue.enqueueMany([
      jobInput('a1', 'A', ['global']),
      jobInput('b1', 'B', ['global']),
      jobInput('a2', 'A', ['global']),
    ]);
    await rt.manager.start();
    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 3);
    expect(rt.started()).toEqual(['jobStarted:a1', 'jobStarted:b1', 'jobStarted:a2']);
    expect(rt.queue.calls).toBe(0);
    await rt.manager.stop();
  });

  it('keeps jobCompleted ahead of the next jobStarted of the lane', async () => {
    const rt = setup({ maxConcurrency: 1, laneBatchSize: 8 });
    await rt.queue.enqueueMany([1, 2, 3].map((i) => jobInput(`a${i}`, 'A', ['global'])));
    await rt.manager.start();
    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 3);
    expect(rt.monitor.trace((e) => e.name.startsWith('job'))).toEqual([
      'jobStarted:a1',
      'jobCompleted:a1',
      'jobStarted:a2',
      'jobCompleted:a2',
      'jobStarted:a3',
      'jobCompleted:a3',
    ]);
    await rt.manager.stop();
  });

  it('gives a lane claim back unstarted when paused meanwhile, and stops cleanly after', async () => {
    const rt = setup({ maxConcurrency: 1, laneBatchSize: 8 });
    rt.queue.gated = true;
    await rt.queue.enqueueMany([jobInput('a1', 'A', ['global']), jobInput('a2', 'A', ['global'])]);
    await rt.manager.start();
    await runUntil(rt.clock, () => rt.queue.calls === 1); // a1 done, claimLane on its way
    await rt.manager.pause();
    rt.queue.open();
    await flush();
    expect((await rt.queue.get('a2'))?.status).toBe('PENDING');
    expect((await rt.queue.get('a2'))?.attempts).toBe(0);
    expect((await rt.manager.getStatus()).activeJobs).toBe(0);
    expect(rt.started()).toEqual(['jobStarted:a1']);

    rt.queue.gated = false;
    await rt.manager.resume();
    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 2);
    await flush();
    const context = rt.manager.supervisorActor.getSnapshot().context;
    expect({ used: context.used, inFlight: context.inFlight }).toEqual({ used: 0, inFlight: 0 });
    await rt.manager.stop(); // resolves: nothing in flight is miscounted
    expect(rt.errors).toEqual([]);
  });

  it('falls back to the supervisor’s claims for a queue without claimLane', async () => {
    const clock = new SimulatedClock();
    const bus = new MemoryEventBus();
    const memory = new MemoryQueue({ bus, clock });
    const queue: IQueue = new Proxy(memory, {
      get: (target, key) => {
        if (key === 'claimLane') return undefined;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const executor = new ScriptedExecutor(clock);
    const manager = new JobExecutorManager({ queue, bus, executor, clock });
    dispose = () => manager.dispose();
    const monitor = new EventMonitor(bus);
    await memory.enqueueMany([1, 2, 3].map((i) => jobInput(`a${i}`, 'A', ['global'])));
    await manager.start({ maxConcurrency: 1 });
    await runUntil(clock, () => monitor.count('jobCompleted') === 3);
    expect(executor.violations).toEqual([]);
    await manager.stop();
    const claims: Claim[] = await memory.claim('r', 10);
    expect(claims).toEqual([]);
  });
});
