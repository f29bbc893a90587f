import { describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor, MemoryEventBus, MemoryScheduleStore } from '../../src/index.js';
import { advance, runUntil, SimulatedClock } from '../support/clock.js';

const MINUTE = 60_000;

describe('reactor.scheduler', () => {
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
