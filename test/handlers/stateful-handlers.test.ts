/**
 * Stateful handlers through the public face (README: Handler jobs, "Stateful handlers"): a
 * handler saves checkpoints, returns `ctx.wait(…)`, sleeps in its lane place without a slot or a
 * claim, and is called again with its checkpoint until it returns; retries per wake-up, events,
 * watch, cancel, checkpoint validation and heartbeats. On a simulated clock, nothing sleeps.
 */
import { describe, expect, it } from 'vitest';
import { MemoryOperationStore, MemoryQueue } from '../../src/adapters/memory/index.js';
import type { StorageContext } from '../../src/adapters/ports.js';
import {
  createReactor,
  type HandlerContext,
  JobErrorCodes,
  type JobResult,
  type JobWaitingEvent,
} from '../../src/index.js';
import { advance, flush, runUntil, SimulatedClock } from '../support/clock.js';
import { interceptStorage } from '../support/intercepted-ports.js';

const T0 = Date.UTC(2026, 0, 1);

async function statefulReactor() {
  const clock = new SimulatedClock();
  clock.set(T0);
  const reactor = await createReactor({ models: [], clock, random: () => 0.5 });
  return { reactor, clock };
}

/** Resolves after `ms` of the reactor's clock. */
const pause = (clock: SimulatedClock, ms: number) =>
  new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

type Progress = { next: number; sum: number };

/** Sums `items` two at a time, saving its place and waiting 1 s between batches. */
async function batchSum(input: { items: number[] }, ctx: HandlerContext) {
  const saved = await ctx.checkpoint.load<Progress>();
  const at = saved ?? { next: 0, sum: 0 };
  const end = Math.min(at.next + 2, input.items.length);
  let sum = at.sum;
  for (let i = at.next; i < end; i++) sum += input.items[i] as number;
  if (end < input.items.length) {
    await ctx.checkpoint.save({ next: end, sum });
    return ctx.wait({ delay: 1_000, reason: `${end}/${input.items.length}` });
  }
  return { sum, resumedFrom: saved ?? null };
}

function watchResult(reactor: { watch(id: string): Promise<JobResult> }, id: string) {
  const box: { result?: JobResult; error?: unknown } = {};
  reactor.watch(id).then(
    (result) => {
      box.result = result;
    },
    (error: unknown) => {
      box.error = error;
    },
  );
  return box;
}

describe('stateful handlers', () => {
  it('saves checkpoints, waits in its key place without a slot, and resumes until it returns', async () => {
    const { reactor, clock } = await statefulReactor();
    const loads: unknown[] = [];
    const starts: string[] = [];
    reactor.registerHandler('sum', async (input: { items: number[] }, ctx) => {
      loads.push(await ctx.checkpoint.load());
      starts.push(`sum@${clock.now() - T0}#${ctx.attempt}`);
      return batchSum(input, ctx);
    });
    reactor.registerHandler('after', async (_input, ctx) => {
      starts.push(`after:${ctx.job.id}@${clock.now() - T0}`);
      return 'done';
    });
    const waiting: JobWaitingEvent[] = [];
    reactor.on('jobWaiting', (event) => waiting.push(event));
    let completed = 0;
    reactor.on('jobCompleted', () => {
      completed += 1;
    });
    await reactor.start({ maxConcurrency: 1 });
    const job = await reactor.submit({
      handler: 'sum',
      input: { items: [1, 2, 3, 4, 5] },
      keys: ['k'],
    });
    const next = await reactor.submit({ handler: 'after', keys: ['k'] });
    const free = await reactor.submit({ handler: 'after' });
    const watched = watchResult(reactor, job.id);

    await runUntil(clock, () => waiting.length === 1);
    expect(waiting[0]).toMatchObject({
      job: { id: job.id, status: 'PENDING', attempts: 0 },
      wakeAt: T0 + 1_000,
      reason: '2/5',
      attempt: 1,
    });
    // Asleep: pending in its place with its checkpoint, no slot held (the free job runs on the
    // only slot), the next job of its key not started.
    await runUntil(clock, () => starts.includes(`after:${free.id}@0`));
    expect(await reactor.queue.get(job.id)).toMatchObject({
      status: 'PENDING',
      runAt: T0 + 1_000,
      checkpoint: { next: 2, sum: 3 },
    });
    expect(await reactor.queue.counts()).toMatchObject({ running: 0 });
    expect(starts).not.toContain(`after:${next.id}@0`);
    expect(watched.result).toBeUndefined();

    await runUntil(clock, () => watched.result !== undefined);
    expect(watched.result).toMatchObject({
      success: true,
      output: { sum: 15, resumedFrom: { next: 4, sum: 10 } },
    });
    expect(loads).toEqual([undefined, { next: 2, sum: 3 }, { next: 4, sum: 10 }]);
    expect(starts.filter((s) => s.startsWith('sum'))).toEqual([
      'sum@0#1',
      'sum@1000#1',
      'sum@2000#1',
    ]);
    expect(waiting.map((w) => w.wakeAt - T0)).toEqual([1_000, 2_000]);
    await runUntil(clock, () => starts.some((s) => s.startsWith(`after:${next.id}`)));
    expect(starts.at(-1)).toBe(`after:${next.id}@2000`);
    await runUntil(clock, () => completed === 3);
    await reactor.close();
  });

  it('counts retries per wake-up: a throw after a wait is retried with maxRetries afresh', async () => {
    const { reactor, clock } = await statefulReactor();
    const calls: string[] = [];
    reactor.registerHandler('steps', async (_input, ctx) => {
      const step = (await ctx.checkpoint.load<number>()) ?? 0;
      calls.push(`step ${step} attempt ${ctx.attempt}`);
      // Every step fails once before it succeeds: 3 steps × 2 attempts, with maxRetries 1.
      if (ctx.attempt === 1) throw new Error(`transient at step ${step}`);
      if (step < 2) {
        await ctx.checkpoint.save(step + 1);
        return ctx.wait({ wakeAt: new Date(clock.now() + 50) });
      }
      return { steps: step + 1 };
    });
    await reactor.start({ maxRetries: 1, retryBaseDelay: 10 });
    const job = await reactor.submit({ handler: 'steps', keys: ['s'] });
    const watched = watchResult(reactor, job.id);
    await runUntil(clock, () => watched.result !== undefined);
    expect(watched.result).toMatchObject({
      success: true,
      output: { steps: 3 },
      job: { attempts: 2 },
    });
    expect(calls).toEqual([
      'step 0 attempt 1',
      'step 0 attempt 2',
      'step 1 attempt 1',
      'step 1 attempt 2',
      'step 2 attempt 1',
      'step 2 attempt 2',
    ]);
    await reactor.close();
  });

  it('cancels a sleeping job: its watch rejects and the next job of its key runs', async () => {
    const { reactor, clock } = await statefulReactor();
    const ran: string[] = [];
    reactor.registerHandler('nap', (_input, ctx) => ctx.wait({ delay: 60_000 }));
    reactor.registerHandler('next', (_input, ctx) => {
      ran.push(ctx.job.id);
    });
    const waiting: string[] = [];
    reactor.on('jobWaiting', ({ job }) => waiting.push(job.id));
    await reactor.start();
    const nap = await reactor.submit({ handler: 'nap', keys: ['k'] });
    const next = await reactor.submit({ handler: 'next', keys: ['k'] });
    const watched = watchResult(reactor, nap.id);
    await runUntil(clock, () => waiting.length === 1);
    await advance(clock, 10_000);
    expect(ran).toEqual([]);
    expect(await reactor.cancel(nap.id)).toBe(true);
    await runUntil(clock, () => ran.length === 1 && watched.error !== undefined);
    expect(ran).toEqual([next.id]);
    expect(String(watched.error)).toContain('cancelled');
    expect(clock.now() - T0).toBeLessThan(60_000);
    await reactor.close();
  });

  it('fails the job for good on a checkpoint that is not JSON data, naming the field', async () => {
    const { reactor, clock } = await statefulReactor();
    reactor.registerHandler('bad', async (_input, ctx) => {
      await ctx.checkpoint.save({ when: new Map() });
      return 'unreachable';
    });
    reactor.registerHandler('nul', async (_input, ctx) => {
      await ctx.checkpoint.save({ text: 'a\u0000b' });
    });
    await reactor.start({ maxRetries: 3 });
    const bad = watchResult(reactor, (await reactor.submit({ handler: 'bad' })).id);
    const nul = watchResult(reactor, (await reactor.submit({ handler: 'nul' })).id);
    await runUntil(clock, () => bad.result !== undefined && nul.result !== undefined);
    expect(bad.result).toMatchObject({ success: false, errorCode: JobErrorCodes.HANDLER_FAILED });
    expect(bad.result?.errorMessage).toContain('checkpoint.when');
    expect(bad.result?.job.attempts).toBe(1);
    expect(nul.result).toMatchObject({ success: false, errorCode: JobErrorCodes.HANDLER_FAILED });
    expect(nul.result?.errorMessage).toContain('U+0000');
    await reactor.close();
  });

  it('refuses a save once the attempt timed out, so a late attempt cannot overwrite the next one', async () => {
    const { reactor, clock } = await statefulReactor();
    const saves: string[] = [];
    reactor.registerHandler('slow', async (_input, ctx) => {
      if (ctx.attempt === 1) {
        await pause(clock, 1_500); // past the timeout: the attempt ends, the handler goes on
        await ctx.checkpoint.save('late').then(
          () => saves.push('late stored'),
          (error: Error) => saves.push(`late refused: ${error.message}`),
        );
        return 'late';
      }
      await ctx.checkpoint.save('second');
      await pause(clock, 900); // the late save of attempt 1 comes meanwhile
      return ctx.checkpoint.load();
    });
    await reactor.start({ jobTimeout: 1_000, maxRetries: 1, retryBaseDelay: 10 });
    const watched = watchResult(reactor, (await reactor.submit({ handler: 'slow' })).id);
    await runUntil(clock, () => watched.result !== undefined);
    expect(watched.result).toMatchObject({ success: true, output: 'second' });
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatch(/^late refused: ctx\.checkpoint\.save was called after the attempt/);
    await reactor.close();
  });

  it('offers a real heartbeat call and accepts a Date or a delay in ctx.wait, rejecting bad ones', async () => {
    const { reactor, clock } = await statefulReactor();
    const errors: string[] = [];
    reactor.registerHandler('beat', async (_input, ctx) => {
      await ctx.heartbeat();
      const bads = [
        {},
        { delay: -1 },
        { wakeAt: Number.NaN },
        { wakeAt: 1, delay: 1 },
        { delay: 1e300 },
      ];
      for (const bad of bads) {
        try {
          ctx.wait(bad as never);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
      return 'ok';
    });
    await reactor.start();
    const watched = watchResult(reactor, (await reactor.submit({ handler: 'beat' })).id);
    await runUntil(clock, () => watched.result !== undefined);
    expect(watched.result).toMatchObject({ success: true, output: 'ok' });
    expect(errors).toHaveLength(5);
    expect(errors[4]).toContain('JOB_LIMITS.maxRunAt');
    expect(errors[1]).toContain('`delay`');
    expect(errors[2]).toContain('`wakeAt`');
    await flush();
    await reactor.close();
  });

  it('survives sleeps and checkpoint saves that fail before or after they took effect', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    // Per method, the faults of its next calls: 'before' (no effect) or 'after' (answer lost).
    const plan: Record<string, ('before' | 'after' | 'ok')[]> = {
      sleep: ['after', 'before', 'ok'],
      saveCheckpoint: ['ok', 'after', 'before'],
    };
    const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const storage = (ctx: StorageContext) =>
      interceptStorage(
        {
          queue: new MemoryQueue({ bus: ctx.bus, clock: ctx.clock }),
          store: new MemoryOperationStore(),
          close: async () => {},
        },
        {
          before: ({ method }) => {
            if (plan[method]?.[0] === 'before') {
              plan[method].shift();
              throw busy();
            }
          },
          after: ({ method }) => {
            const fault = plan[method]?.shift();
            if (fault === 'after') throw busy();
          },
        },
      );
    const errors: unknown[] = [];
    const reactor = await createReactor({
      models: [],
      clock,
      random: () => 0.5,
      storage,
      onError: (error) => errors.push(error),
    });
    const calls: unknown[] = [];
    reactor.registerHandler('sum', async (input: { items: number[] }, ctx) => {
      calls.push(await ctx.checkpoint.load());
      return batchSum(input, ctx);
    });
    const waiting: number[] = [];
    reactor.on('jobWaiting', ({ wakeAt }) => waiting.push(wakeAt - T0));
    await reactor.start({ maxRetries: 3, retryBaseDelay: 10 });
    const job = await reactor.submit({ handler: 'sum', input: { items: [1, 2, 3, 4, 5, 6, 7] } });
    const watched = watchResult(reactor, job.id);
    await runUntil(clock, () => watched.result !== undefined);
    expect(watched.result).toMatchObject({ success: true, output: { sum: 28 } });
    // Call 1 saves {2,3} and sleeps (its first try lost its answer, the second failed, the third
    // found it written). Call 2's save of {4,10} took effect but lost its answer: the call fails
    // and its retry resumes from {4,10}; that one's save of {6,21} fails without effect, so the
    // next retry resumes from {4,10} again, saves and sleeps; the last call finishes.
    expect(calls).toEqual([
      undefined,
      { next: 2, sum: 3 },
      { next: 4, sum: 10 },
      { next: 4, sum: 10 },
      { next: 6, sum: 21 },
    ]);
    // The second sleep starts after two backoffs (5 and 10 ms: base 10, jitter 0.5).
    expect(waiting).toEqual([1_000, 1_000 + 5 + 10 + 1_000]);
    expect(errors.length).toBeGreaterThan(0);
    await reactor.close();
  });
});
