/**
 * Schedulers sharing one schedule store, as processes sharing a database do: restart with missed
 * ticks, exactly one job per tick, take-over, and cancel from another scheduler.
 */
import { describe, expect, it } from 'vitest';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IQueue } from '../../src/adapters/ports.js';
import { MemoryScheduleStore, Scheduler, tickJobId } from '../../src/index.js';
import { advance, SimulatedClock } from '../support/clock.js';
import { recordingQueue, tickInput, tickTimes } from './support.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-01-01T00:00:00Z');

function setup() {
  const clock = new SimulatedClock();
  clock.set(START);
  const recorded = recordingQueue(new MemoryQueue({ clock }));
  const store = new MemoryScheduleStore();
  const errors: unknown[] = [];
  const make = () =>
    new Scheduler({ queue: recorded.queue, store, clock, onError: (e) => errors.push(e) });
  return { clock, store, errors, make, ...recorded };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('scheduler: a shared schedule store', () => {
  it('a restarted scheduler resumes the schedules and runs the missed ticks once, as the latest', async () => {
    const { clock, store, enqueued, make } = setup();
    const first = make();
    await first.start();
    await first.scheduleRecurring({ id: 'hourly', cron: '0 * * * *', job: tickInput() });
    await advance(clock, HOUR);
    expect(tickTimes(enqueued)).toEqual([iso(START + HOUR)]);
    await first.stop();

    await advance(clock, 5 * HOUR + 20 * 60_000); // 02:00 … 06:00 missed; now 06:20
    expect(enqueued).toHaveLength(1);

    const second = make();
    await second.start();
    expect(tickTimes(enqueued)).toEqual([iso(START + HOUR), iso(START + 6 * HOUR)]);
    expect(await store.lastTick('hourly')).toBe(START + 6 * HOUR);
    await advance(clock, 40 * 60_000);
    expect(tickTimes(enqueued).slice(2)).toEqual([iso(START + 7 * HOUR)]);

    // A restart with nothing missed runs nothing at start.
    await second.stop();
    const third = make();
    await third.start();
    expect(enqueued).toHaveLength(3);
    await third.stop();
  });

  it('a function job is detached after a restart until registered again under its id, which catches up once', async () => {
    const { clock, enqueued, make } = setup();
    const first = make();
    await first.start();
    const job = () => tickInput('doc-fn');
    await first.scheduleRecurring({ id: 'fn', cron: '0 * * * *', job });
    await advance(clock, HOUR);
    await first.stop();
    await advance(clock, 3 * HOUR);

    const second = make();
    await second.start();
    expect(enqueued).toHaveLength(1);
    expect((await second.list())[0]).toMatchObject({ id: 'fn', job: 'detached' });
    await second.scheduleRecurring({ id: 'fn', cron: '0 * * * *', job });
    expect(tickTimes(enqueued)).toEqual([iso(START + HOUR), iso(START + 4 * HOUR)]);
    expect((await second.list())[0]).toMatchObject({ job: 'function', createdAt: START });
    await second.stop();
  });

  it('changing the pattern of a schedule does not run ticks of the new pattern from before the change', async () => {
    const { clock, enqueued, make } = setup();
    const scheduler = make();
    await scheduler.start();
    await scheduler.scheduleRecurring({ id: 's', cron: '0 * * * *', job: tickInput() });
    await advance(clock, HOUR + 20 * 60_000); // 01:00 ran; now 01:20
    await scheduler.scheduleRecurring({ id: 's', cron: '*/15 * * * *', job: tickInput() });
    expect(enqueued).toHaveLength(1); // 01:15 of the new pattern is before the change
    await advance(clock, 10 * 60_000);
    expect(tickTimes(enqueued)).toEqual([iso(START + HOUR), iso(START + HOUR + 30 * 60_000)]);
    await scheduler.stop();
  });

  it('three schedulers sharing the store enqueue exactly one job per tick', async () => {
    const { clock, calls, enqueued, make, errors } = setup();
    const [a, b, c] = [make(), make(), make()];
    await a.scheduleRecurring({ id: 'every-10s', cron: '*/10 * * * * *', job: tickInput() });
    await Promise.all([a.start(), b.start(), c.start()]);
    // b and c register the same schedule again (as each process would at boot): still one per tick.
    await b.scheduleRecurring({ id: 'every-10s', cron: '*/10 * * * * *', job: tickInput() });
    await advance(clock, 60_000);
    const expected = [1, 2, 3, 4, 5, 6].map((i) => tickJobId('every-10s', START + i * 10_000));
    // The losers of each claim enqueue the tick's job too (refused: its id exists), so that a winner
    // dying between its claim and its enqueue loses no tick; one job per tick either way.
    expect([...new Set(calls.map((input) => input.id))]).toEqual(expected);
    expect(enqueued.map((job) => job.id)).toEqual(expected);
    expect(errors).toEqual([]);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('a scheduler that dies between its claim and its enqueue loses no tick: the others enqueue it, once', async () => {
    const { clock, store, enqueued, make, errors } = setup();
    // `dead` claims ticks but its enqueues never return, as a process killed after the claim.
    const dead = new Scheduler({
      queue: { enqueue: () => new Promise<never>(() => {}) } as unknown as IQueue,
      store,
      clock,
      onError: (e) => errors.push(e),
    });
    await dead.scheduleRecurring({ id: 'every-10s', cron: '*/10 * * * * *', job: tickInput() });
    await dead.start();
    const [b, c] = [make(), make()];
    await Promise.all([b.start(), c.start()]);
    await advance(clock, 60_000);
    const expected = [1, 2, 3, 4, 5, 6].map((i) => tickJobId('every-10s', START + i * 10_000));
    expect(enqueued.map((job) => job.id)).toEqual(expected);
    expect(errors).toEqual([]);
    await Promise.all([b.stop(), c.stop()]);
  });

  it('a tick claimed before a crash and never enqueued is enqueued once at restart', async () => {
    const { clock, store, enqueued, make, state } = setup();
    const first = make();
    await first.start();
    await first.scheduleRecurring({ id: 'hourly', cron: '0 * * * *', job: tickInput() });
    state.failNext = 1; // the claim of 01:00 succeeds, its enqueue fails; then the process dies
    await advance(clock, HOUR);
    expect(await store.lastTick('hourly')).toBe(START + HOUR);
    expect(enqueued).toHaveLength(0);
    await first.stop();

    await advance(clock, 20 * 60_000); // 01:20, before the next tick
    const second = make();
    await second.start();
    expect(tickTimes(enqueued)).toEqual([iso(START + HOUR)]);
    await advance(clock, 40 * 60_000);
    expect(tickTimes(enqueued)).toEqual([iso(START + HOUR), iso(START + 2 * HOUR)]);
    await second.stop();
  });

  it('takes up a schedule saved by another scheduler at the next refresh, and keeps it ticking when that one stops', async () => {
    const { clock, enqueued, make } = setup();
    const a = make();
    const b = make();
    await Promise.all([a.start(), b.start()]);
    await a.scheduleRecurring({ id: 'minutely', cron: '* * * * *', job: tickInput() });
    await advance(clock, 2 * 60_000);
    await a.stop();
    await advance(clock, 3 * 60_000);
    expect(tickTimes(enqueued)).toEqual([1, 2, 3, 4, 5].map((m) => iso(START + m * 60_000)));
    await b.stop();
  });

  it('a schedule cancelled through one scheduler stops in the others', async () => {
    const { clock, store, enqueued, make } = setup();
    const a = make();
    const b = make();
    await a.scheduleRecurring({ id: 'minutely', cron: '* * * * *', job: tickInput() });
    await Promise.all([a.start(), b.start()]);
    await advance(clock, 60_000);
    expect(await b.cancel('minutely')).toBe(true);
    await advance(clock, 5 * 60_000);
    expect(enqueued).toHaveLength(1);
    expect(await store.list()).toEqual([]);
    expect(await a.list()).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
  });
});
