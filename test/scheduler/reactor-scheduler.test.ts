import { describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor, MemoryEventBus, MemoryScheduleStore } from '../../src/index.js';
import { advance, flush, runUntil, SimulatedClock } from '../support/clock.js';

const MINUTE = 60_000;

describe('reactor.scheduler', () => {
  it('rejects a waiting watch when its job is cancelled, and the job never runs', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.UTC(2026, 0, 1));
    const reactor = await createReactor({ models: [counterModel], clock });
    await reactor.start();
    const input = { documentId: 'c1', scopes: ['global'], actions: [counterActions.increment(1)] };
    const delayed = await reactor.scheduler.schedule(input, { runAt: clock.now() + MINUTE });
    const pending = (await reactor.submit(input)).id; // behind the delayed head of its lane
    const outcomes: string[] = [];
    for (const id of [delayed, delayed, pending]) {
      reactor.manager.watch(id).then(
        () => outcomes.push(`${id} resolved`),
        (error: Error) => outcomes.push(error.message),
      );
    }
    await flush();

    expect(await reactor.scheduler.cancel(pending)).toBe(true);
    expect(await reactor.scheduler.cancel(delayed)).toBe(true);
    await flush();

    expect(outcomes).toEqual([
      `Job ${pending} was cancelled`,
      `Job ${delayed} was cancelled`,
      `Job ${delayed} was cancelled`,
    ]);
    await expect(reactor.manager.watch(delayed)).rejects.toThrow(/Unknown job id/);
    let started = 0;
    reactor.manager.on('jobStarted', () => started++);
    await advance(clock, 2 * MINUTE);
    expect(started).toBe(0);
    await reactor.close();
  });

  it('each tick of a fixed job input applies anew (new action ids), and the scheduler stops with the reactor', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.UTC(2026, 0, 1));
    const reactor = await createReactor({ models: [counterModel], clock });
    await reactor.start();
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: 'seriatim/counter',
    });
    await reactor.manager.watch(created.id);
    await reactor.scheduler.scheduleRecurring({
      id: 'every-minute',
      cron: '* * * * *',
      job: { documentId: 'c1', scopes: ['global'], actions: [counterActions.increment(5)] },
    });
    let completed = 0;
    reactor.manager.on('jobCompleted', () => completed++);
    await advance(clock, 3 * MINUTE);
    await runUntil(clock, () => completed === 3);
    expect(await reactor.getState('c1', 'global')).toMatchObject({ count: 15 });
    const ops = await reactor.store.getOperations('c1', 'global', 'main');
    expect(new Set(ops.map((op) => op.id)).size).toBe(3);

    await reactor.stop();
    expect(reactor.scheduler.isRunning).toBe(false);
    await advance(clock, 3 * MINUTE);
    expect(await reactor.queue.counts()).toMatchObject({ pending: 0 });
    await reactor.start();
    // restarted: the missed ticks run once
    await runUntil(clock, () => completed === 4);
    expect(await reactor.getState('c1', 'global')).toMatchObject({ count: 20 });
    await reactor.close();
  });

  it('uses the scheduleStore option, else the storage one, else a memory store', async () => {
    const explicit = new MemoryScheduleStore();
    const fromStorage = new MemoryScheduleStore();
    const storage = () => {
      const bus = new MemoryEventBus();
      return {
        queue: new MemoryQueue({ bus }),
        store: new MemoryOperationStore(),
        scheduleStore: fromStorage,
        close: async () => {},
      };
    };
    const a = await createReactor({ models: [], storage: storage(), scheduleStore: explicit });
    expect(a.scheduler.store).toBe(explicit);
    const b = await createReactor({ models: [], storage: storage() });
    expect(b.scheduler.store).toBe(fromStorage);
    const c = await createReactor({ models: [] });
    expect(c.scheduler.store).toBeInstanceOf(MemoryScheduleStore);
    for (const reactor of [a, b, c]) await reactor.close();
  });
});
