/**
 * Stateful handlers on SQLite through the reactor (README: Handler jobs, "Stateful handlers"): a
 * job asleep at close wakes in a new reactor on the same file, in its key place, with its
 * checkpoint; a runner that dies between a checkpoint and its next call (its claim never ends)
 * is reaped by another, which resumes from the last checkpoint saved. Simulated clocks: nothing
 * sleeps, a new reactor's clock runs ahead as a restarted process's would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import {
  createReactor,
  type HandlerContext,
  type JobResult,
  type Reactor,
  StaleClaimError,
} from '../../src/index.js';
import { flush, SimulatedClock, stepTimer } from '../support/clock.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const T0 = Date.UTC(2026, 0, 1);
const files: string[] = [];
afterEach(() => {
  for (const file of files.splice(0)) removeDb(file);
});

type Call = { reactor: string; segment: number | undefined; at: number; attempt: number };

/** A handler in three segments, saving the next one and waiting 10 s after each of the first two. */
function stepsHandler(
  name: string,
  calls: Call[],
  clock: SimulatedClock,
  hangAt?: number,
  hung?: (ctx: HandlerContext) => void,
) {
  return async (_input: unknown, ctx: HandlerContext) => {
    const segment = await ctx.checkpoint.load<number>();
    calls.push({ reactor: name, segment, at: clock.now() - T0, attempt: ctx.attempt });
    const next = (segment ?? 0) + 1;
    if (next < 3) await ctx.checkpoint.save(next);
    // A "crash" right after the checkpoint: the call never returns and its claim never ends.
    if (hangAt !== undefined && hangAt === segment) {
      hung?.(ctx);
      return new Promise<never>(() => {});
    }
    if (next < 3) return ctx.wait({ delay: 10_000, reason: `segment ${next}` });
    return { segments: next, by: name };
  };
}

/**
 * Steps `clock` timer by timer until `done()`, letting the SQLite writes of each step commit
 * first: the storage batches them per event-loop turn (`setImmediate`), so a step waits more
 * turns than `runUntil` does. No attempt times out meanwhile (`jobTimeout` is an hour).
 */
async function runUntil(clock: SimulatedClock, done: () => boolean): Promise<void> {
  for (let step = 0; step < 10_000; step++) {
    await flush(64);
    if (done()) return;
    if (!(await stepTimer(clock)))
      throw new Error('no timer pending and the condition does not hold');
  }
  throw new Error(`condition not reached after 10,000 timer steps (at ${clock.now() - T0})`);
}

const RUN = { jobTimeout: 3_600_000 };

function watchBox(reactor: Reactor, id: string) {
  const box: { result?: JobResult } = {};
  reactor.watch(id).then((result) => {
    box.result = result;
  });
  return box;
}

describe('stateful handlers on SQLite', () => {
  it('wakes a job asleep at close in a new reactor on the file, with its checkpoint, in its key place', async () => {
    const file = tempDbPath('stateful-restart');
    files.push(file);
    const calls: Call[] = [];
    const firstClock = new SimulatedClock();
    firstClock.set(T0);
    const first = await createReactor({ models: [], clock: firstClock, storage: { sqlite: file } });
    first.registerHandler('steps', stepsHandler('first', calls, firstClock));
    first.registerHandler('after', () => 'after');
    let asleep = 0;
    first.on('jobWaiting', () => {
      asleep += 1;
    });
    await first.start(RUN);
    const job = await first.submit({ handler: 'steps', keys: ['k'] });
    const next = await first.submit({ handler: 'after', keys: ['k'] });
    await runUntil(firstClock, () => asleep === 1);
    await first.close();

    const secondClock = new SimulatedClock();
    secondClock.set(T0 + 5_000);
    const second = await createReactor({
      models: [],
      clock: secondClock,
      storage: { sqlite: file },
    });
    second.registerHandler('steps', stepsHandler('second', calls, secondClock));
    let afterRanAt: number | undefined;
    second.registerHandler('after', () => {
      afterRanAt = secondClock.now() - T0;
      return 'after';
    });
    expect(await second.queue.get(job.id)).toMatchObject({
      status: 'PENDING',
      runAt: T0 + 10_000,
      checkpoint: 1,
    });
    await second.start(RUN);
    const done = watchBox(second, job.id);
    const nextDone = watchBox(second, next.id);
    await runUntil(secondClock, () => done.result !== undefined && nextDone.result !== undefined);
    expect(done.result).toMatchObject({ success: true, output: { segments: 3, by: 'second' } });
    expect(calls).toEqual([
      { reactor: 'first', segment: undefined, at: 0, attempt: 1 },
      { reactor: 'second', segment: 1, at: 10_000, attempt: 1 },
      { reactor: 'second', segment: 2, at: 20_000, attempt: 1 },
    ]);
    // The next job of its key waited through both sleeps.
    expect(afterRanAt).toBe(20_000);
    expect(await second.queue.get(job.id)).toMatchObject({ status: 'COMPLETED', checkpoint: 2 });
    await second.close();
  });

  it('resumes from the last checkpoint when a runner dies between a checkpoint and its next call', async () => {
    const file = tempDbPath('stateful-crash');
    files.push(file);
    const options = { heartbeatInterval: 1_000, stalledThreshold: 5_000, reapInterval: 1_000 };
    const calls: Call[] = [];
    const deadErrors: unknown[] = [];
    const deadClock = new SimulatedClock();
    deadClock.set(T0);
    const dead = await createReactor({
      models: [],
      clock: deadClock,
      runnerId: 'dead',
      storage: (ctx) => createSqliteStorage(file, ctx, options),
      onError: (error) => deadErrors.push(error),
    });
    // It runs segment 0, waits; at segment 1 it saves 2, then "crashes" (never returns).
    let hungContext: HandlerContext | undefined;
    dead.registerHandler(
      'steps',
      stepsHandler('dead', calls, deadClock, 1, (ctx) => {
        hungContext = ctx;
      }),
    );
    await dead.start(RUN);
    const job = await dead.submit({ handler: 'steps', keys: ['k'] });
    await runUntil(deadClock, () => calls.length === 2);
    // Its claim holds, nothing more happens in it: its clock stops, so do its heartbeats.
    expect(await dead.queue.get(job.id)).toMatchObject({ status: 'RUNNING', checkpoint: 2 });

    const clock = new SimulatedClock();
    clock.set(T0 + 10_000 + options.stalledThreshold + 1);
    const live = await createReactor({
      models: [],
      clock,
      runnerId: 'live',
      storage: (ctx) => createSqliteStorage(file, ctx, options),
    });
    live.registerHandler('steps', stepsHandler('live', calls, clock));
    await live.start(RUN);
    const done = watchBox(live, job.id);
    await runUntil(clock, () => done.result !== undefined);
    expect(done.result).toMatchObject({ success: true, output: { segments: 3, by: 'live' } });
    expect(calls.map(({ reactor, segment }) => [reactor, segment])).toEqual([
      ['dead', undefined],
      ['dead', 1],
      ['live', 2],
    ]);
    // The hung call learns it lost its claim when it heartbeats.
    await expect(hungContext?.heartbeat()).rejects.toBeInstanceOf(StaleClaimError);
    await live.close();
    // Its call still hangs: abort it (its release is refused, the claim was reaped).
    await dead.stop({ graceful: false });
    await dead.close();
    expect(deadErrors.length).toBeGreaterThan(0);
    for (const error of deadErrors) expect(error).toBeInstanceOf(StaleClaimError);
  });
});
