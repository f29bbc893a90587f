/**
 * Issue 6: recurring schedules survive a restart on SQLite. Reactors on one database file, one
 * after the other, on one simulated clock: the schedule, its last claimed tick and the jobs are
 * all in the file, so the next reactor continues the schedule and runs missed ticks once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteScheduleStore } from '../../src/adapters/sqlite/index.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor, type Reactor, tickJobId } from '../../src/index.js';
import { advance, SimulatedClock } from '../support/clock.js';
import { waitUntil } from '../support/multiprocess-workload.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const MINUTE = 60_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const SCHEDULE = 'every-minute';
const at = (minutes: number) => START + minutes * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const paths: string[] = [];
afterEach(() => {
  for (const path of paths.splice(0)) removeDb(path);
});

/** A reactor on `file` and `clock` that counts its completed jobs and collects its errors. */
async function open(file: string, clock: SimulatedClock) {
  const errors: unknown[] = [];
  const reactor = await createReactor({
    models: [counterModel],
    storage: { sqlite: file },
    clock,
    onError: (error) => errors.push(error),
  });
  const seen = { completed: 0, failed: 0 };
  reactor.manager.on('jobCompleted', () => seen.completed++);
  reactor.manager.on('jobFailed', () => seen.failed++);
  return { reactor, errors, seen };
}

/** Waits (event-loop turns and the database, the simulated clock standing still) until `done()`. */
const settled = (done: () => boolean, what: string) => waitUntil(async () => done(), what, 10_000);

/** The minutes (since START) whose tick job is in the queue, among 1…`upTo`. */
async function tickMinutesEnqueued(reactor: Reactor, upTo: number): Promise<number[]> {
  const minutes: number[] = [];
  for (let m = 1; m <= upTo; m++) {
    if ((await reactor.queue.get(tickJobId(SCHEDULE, at(m)))) !== undefined) minutes.push(m);
  }
  return minutes;
}

describe('restart resumes schedules (sqlite)', () => {
  it('a new reactor on the file continues the schedule, runs missed ticks once, and later ticks go on', async () => {
    const file = tempDbPath();
    paths.push(file);
    const clock = new SimulatedClock();
    clock.set(START);
    const job = { documentId: 'c1', scopes: ['global'], actions: [counterActions.increment(1)] };

    // First process: three ticks run.
    const first = await open(file, clock);
    expect(first.reactor.scheduler.store).toBeInstanceOf(SqliteScheduleStore);
    await first.reactor.start();
    const created = await first.reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await first.reactor.manager.watch(created.id);
    await first.reactor.scheduler.scheduleRecurring({ id: SCHEDULE, cron: '* * * * *', job });
    for (const minute of [1, 2, 3]) {
      await advance(clock, at(minute) - clock.now());
      await settled(() => first.seen.completed === 1 + minute, `tick ${minute} ran`);
    }
    expect(await first.reactor.scheduler.list()).toMatchObject([
      { id: SCHEDULE, job: 'input', lastTickAt: at(3), nextRunAt: at(4) },
    ]);
    await first.reactor.close();
    expect(first.errors).toEqual([]);

    // Down from 00:03 to 00:06:30: the ticks of 00:04, 00:05 and 00:06 are missed.
    await advance(clock, at(6.5) - clock.now());

    // Second process on the same file: nothing registered again, the schedule is in the file.
    const second = await open(file, clock);
    await second.reactor.start();
    await settled(() => second.seen.completed === 1, 'the missed tick ran');
    expect(await tickMinutesEnqueued(second.reactor, 6)).toEqual([1, 2, 3, 6]);
    for (const minute of [7, 8]) {
      await advance(clock, at(minute) - clock.now());
      await settled(() => second.seen.completed === minute - 5, `tick ${minute} ran`);
    }
    await second.reactor.close();

    // Down over one tick (00:09). The third process registers the schedule again at boot, as an
    // application does: the claimed ticks stay claimed, the missed one runs once.
    await advance(clock, at(9.5) - clock.now());
    const third = await open(file, clock);
    await third.reactor.scheduler.scheduleRecurring({ id: SCHEDULE, cron: '* * * * *', job });
    await third.reactor.start();
    await settled(() => third.seen.completed === 1, 'the missed tick ran');
    await advance(clock, at(10) - clock.now());
    await settled(() => third.seen.completed === 2, 'tick 10 ran');

    // Every tick job ran once, in order; the missed ticks 4 and 5 never ran.
    const ran = [1, 2, 3, 6, 7, 8, 9, 10];
    expect(await tickMinutesEnqueued(third.reactor, 10)).toEqual(ran);
    for (const minute of ran) {
      expect((await third.reactor.queue.get(tickJobId(SCHEDULE, at(minute))))?.status).toBe(
        'COMPLETED',
      );
    }
    expect(await third.reactor.queue.counts()).toEqual({
      pending: 0,
      running: 0,
      completed: 1 + ran.length,
      failed: 0,
    });
    const operations = await third.reactor.store.getOperations('c1', 'global', 'main');
    expect(operations.map((operation) => operation.index)).toEqual(ran.map((_, i) => i));
    expect(operations.map((operation) => operation.action.timestampUtcMs)).toEqual(
      ran.map((minute) => iso(at(minute))),
    );
    expect(await third.reactor.getState('c1', 'global')).toMatchObject({ count: ran.length });
    expect(await third.reactor.scheduler.list()).toMatchObject([
      { id: SCHEDULE, lastTickAt: at(10), nextRunAt: at(11) },
    ]);
    await third.reactor.close();
    for (const { errors, seen } of [first, second, third]) {
      expect(errors).toEqual([]);
      expect(seen.failed).toBe(0);
    }
  });
});
