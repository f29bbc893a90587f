/**
 * The `IScheduleStore` conformance suite: every schedule store runs it through
 * `describeScheduleStoreConformance`. It tests the port, then three `Scheduler`s over the store on
 * a simulated clock (one job per tick, a restart catching up once).
 * @module
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IScheduleStore, ScheduleRecord } from '../../src/adapters/ports.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Job } from '../../src/types.js';
import { advance } from '../support/clock.js';
import { adapterSelected, makeAction, T0 } from './fixtures.js';

/**
 * What a schedule-store factory returns: an empty store; optionally `other`, a second handle on
 * the same backend (another connection), to race claims across connections; and `cleanup`.
 */
export type ScheduleStoreFixture = {
  store: IScheduleStore;
  other?: IScheduleStore;
  cleanup(): Promise<void>;
};

function record(id: string, extra: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id,
    cron: '*/10 * * * * *',
    timezone: 'UTC',
    job: { documentId: `doc-${id}`, scopes: ['global'], actions: [makeAction('global', 'a')] },
    createdAt: T0,
    since: T0,
    updatedAt: T0,
    ...extra,
  };
}

/**
 * Lets the event loop run (I/O included) until `done()` holds; fails after 10 s of wall time.
 * The simulated clock stands still meanwhile: this waits for answers, not for time to pass.
 */
async function settled(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Declares the conformance tests of an `IScheduleStore`; `makeStore` is called before each test. */
export function describeScheduleStoreConformance(
  name: string,
  makeStore: () => Promise<ScheduleStoreFixture>,
): void {
  describe.skipIf(!adapterSelected(name))(`IScheduleStore conformance: ${name}`, () => {
    let fixture: ScheduleStoreFixture;
    let store: IScheduleStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      return () => fixture.cleanup();
    });

    it('saves, gets, lists (by createdAt, then id) and deletes schedules, as copies', async () => {
      await store.save(record('b', { createdAt: T0 + 1 }));
      await store.save(record('c', { createdAt: T0 }));
      await store.save(record('a', { createdAt: T0 + 1, timezone: 'America/New_York' }));
      expect((await store.list()).map((r) => r.id)).toEqual(['c', 'a', 'b']);
      expect(await store.get('a')).toEqual(
        record('a', { createdAt: T0 + 1, timezone: 'America/New_York' }),
      );
      const copy = (await store.get('a'))!;
      copy.cron = 'changed';
      copy.job!.scopes.push('changed');
      expect(await store.get('a')).toEqual(
        record('a', { createdAt: T0 + 1, timezone: 'America/New_York' }),
      );
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.get('a')).toBeUndefined();
      expect((await store.list()).map((r) => r.id)).toEqual(['c', 'b']);
    });

    it('keeps a record without a job (a function schedule) and replaces a record on save', async () => {
      const { job: _job, ...withoutJob } = record('f');
      await store.save(withoutJob);
      expect(await store.get('f')).toEqual(withoutJob);
      await store.save(record('f', { cron: '0 * * * *', updatedAt: T0 + 5 }));
      expect(await store.get('f')).toEqual(record('f', { cron: '0 * * * *', updatedAt: T0 + 5 }));
      expect(await store.list()).toHaveLength(1);
    });

    it('claims a tick once among concurrent callers, records it, and refuses older ticks', async () => {
      await store.save(record('s'));
      expect(await store.lastTick('s')).toBeUndefined();
      const stores = [store, fixture.other ?? store];
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => stores[i % 2]!.claimTick('s', T0 + 10_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.lastTick('s')).toBe(T0 + 10_000);
      expect(await store.claimTick('s', T0 + 5_000)).toBe(false);
      expect(await store.claimTick('s', T0 + 10_000)).toBe(false);
      expect(await store.claimTick('s', T0 + 20_000)).toBe(true);
      expect(await store.lastTick('s')).toBe(T0 + 20_000);
    });

    it('keeps the last tick across a save, forgets it on delete, and claims nothing for an unknown schedule', async () => {
      expect(await store.claimTick('nope', T0)).toBe(false);
      expect(await store.lastTick('nope')).toBeUndefined();
      await store.save(record('s'));
      expect(await store.claimTick('s', T0 + 10_000)).toBe(true);
      await store.save(record('s', { updatedAt: T0 + 1 }));
      expect(await store.lastTick('s')).toBe(T0 + 10_000);
      await store.delete('s');
      expect(await store.lastTick('s')).toBeUndefined();
      await store.save(record('s'));
      expect(await store.lastTick('s')).toBeUndefined();
    });

    it('lets three schedulers enqueue exactly one job per tick, and a restart catch up once', async () => {
      const clock = new SimulatedClock();
      clock.set(T0);
      const queue = new MemoryQueue({ clock });
      const enqueued: Job[] = [];
      const errors: unknown[] = [];
      const handles = [store, fixture.other ?? store, store];
      const schedulers = handles.map(
        (handle) => new Scheduler({ queue, store: handle, clock, onError: (e) => errors.push(e) }),
      );
      const original = queue.enqueue.bind(queue);
      queue.enqueue = async (input) => {
        const job = await original(input);
        enqueued.push(job);
        return job;
      };
      const job = { documentId: 'doc', scopes: ['global'], actions: [makeAction('global', 'x')] };
      await schedulers[0]!.scheduleRecurring({ id: 'tick', cron: '*/10 * * * * *', job });
      await Promise.all(schedulers.map((s) => s.start()));
      // A durable store answers after real I/O, which `advance` does not wait for: step one tick
      // at a time and let the tick's job be enqueued before the next (a wait on a condition, not
      // on time). Without this a late answer re-arms a scheduler's timer after the clock moved on.
      for (const tick of [1, 2, 3]) {
        await advance(clock, T0 + tick * 10_000 - clock.now());
        await settled(() => enqueued.length === tick, `tick ${tick} is enqueued`);
      }
      const ticks = () => enqueued.map((j) => j.meta?.tickAt);
      expect(ticks()).toEqual([10_000, 20_000, 30_000].map((d) => new Date(T0 + d).toISOString()));
      await Promise.all(schedulers.map((s) => s.stop()));
      await advance(clock, 45_000); // 40 s … 70 s missed
      const restarted = new Scheduler({ queue, store, clock, onError: (e) => errors.push(e) });
      await restarted.start();
      expect(ticks().slice(3)).toEqual([new Date(T0 + 70_000).toISOString()]);
      await restarted.stop();
      expect(errors).toEqual([]);
    });
  });
}
