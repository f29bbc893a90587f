import { describe, expect, it } from 'vitest';
import { MemoryScheduleStore } from '../../src/adapters/memory/memory-schedule-store.js';
import { JobValidationError, Scheduler, tickJobId } from '../../src/index.js';
import { advance, runUntil } from '../support/clock.js';
import { jobInput, makeRuntime } from '../support/runtime.js';
import { recordingQueue, tickInput, tickTimes } from './support.js';

const T0 = 1_700_000_000_000; // makeRuntime's clock start: 2023-11-14T22:13:20Z

function validationField(run: () => unknown): Promise<string | undefined> {
  return Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (error: unknown) => {
        expect(error).toBeInstanceOf(JobValidationError);
        return (error as JobValidationError).field;
      },
    );
}

describe('scheduler: delayed jobs', () => {
  it('a delayed head blocks the later jobs of its lane until due; other lanes run', async () => {
    const rt = makeRuntime();
    const scheduler = new Scheduler({ queue: rt.queue, clock: rt.clock });
    const delayedId = await scheduler.schedule(jobInput('A', 'doc-1', ['global']), {
      runAt: T0 + 1_000,
    });
    expect(delayedId).toBe('A');
    await rt.queue.enqueue(jobInput('B', 'doc-1', ['global'])); // same lane, behind A
    await rt.queue.enqueue(jobInput('C', 'doc-2', ['global'])); // another lane
    await rt.manager.start();

    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 1);
    expect(rt.monitor.trace((e) => e.name === 'jobCompleted')).toEqual(['jobCompleted:C']);
    await advance(rt.clock, 999 - (rt.clock.now() - T0));
    expect(rt.monitor.forJob('A')).toEqual([]);
    expect(rt.monitor.forJob('B')).toEqual([]);
    expect((await rt.queue.get('A'))?.status).toBe('PENDING');

    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 3);
    expect(rt.monitor.trace((e) => e.name === 'jobStarted')).toEqual([
      'jobStarted:C',
      'jobStarted:A',
      'jobStarted:B',
    ]);
    expect(rt.executor.calls.find((c) => c.jobId === 'A')?.at).toBe(T0 + 1_000);
    expect(rt.executor.violations).toEqual([]);
    await rt.manager.stop();
    rt.manager.dispose();
  });

  it('cancels a delayed job: its lane goes on without it', async () => {
    const rt = makeRuntime();
    const scheduler = new Scheduler({ queue: rt.queue, clock: rt.clock });
    await scheduler.schedule(jobInput('A', 'doc-1', ['global']), { runAt: T0 + 60_000 });
    await rt.queue.enqueue(jobInput('B', 'doc-1', ['global']));
    expect(await scheduler.cancel('A')).toBe(true);
    expect(await scheduler.cancel('A')).toBe(false);
    expect(await rt.queue.get('A')).toBeUndefined();
    await rt.manager.start();
    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 1);
    expect(rt.clock.now()).toBe(T0);
    expect(rt.monitor.trace()).toContain('jobCompleted:B');
    expect(await scheduler.cancel('unknown-id')).toBe(false);
    await rt.manager.stop();
    rt.manager.dispose();
  });

  it('tells onJobCancelled of each job it took out of the queue, and of nothing else', async () => {
    const rt = makeRuntime();
    const cancelled: string[] = [];
    const errors: unknown[] = [];
    const scheduler = new Scheduler({
      queue: rt.queue,
      clock: rt.clock,
      onJobCancelled: (jobId) => {
        cancelled.push(jobId);
        if (jobId === 'B') throw new Error('hook failed');
      },
      onError: (error) => errors.push(error),
    });
    await scheduler.schedule(jobInput('A', 'doc-1', ['global']), { runAt: T0 + 60_000 });
    await rt.queue.enqueue(jobInput('B', 'doc-2', ['global']));
    const scheduleId = await scheduler.scheduleRecurring({ cron: '0 * * * *', job: tickInput() });

    expect(await scheduler.cancel('A')).toBe(true);
    expect(await scheduler.cancel('A')).toBe(false);
    expect(await scheduler.cancel('unknown-id')).toBe(false);
    expect(await scheduler.cancel(scheduleId)).toBe(true);
    expect(await scheduler.cancel('B')).toBe(true); // a throwing hook is reported, not thrown

    expect(cancelled).toEqual(['A', 'B']);
    expect(errors).toEqual([new Error('hook failed')]);
    rt.manager.dispose();
  });

  it('rejects a runAt that is not a finite number, naming `runAt`, and enqueues nothing', async () => {
    const rt = makeRuntime();
    const scheduler = new Scheduler({ queue: rt.queue, clock: rt.clock });
    for (const runAt of [Number.NaN, Number.POSITIVE_INFINITY, '2026-01-01', undefined]) {
      const field = await validationField(() =>
        scheduler.schedule(jobInput('A', 'doc-1', ['global']), { runAt: runAt as number }),
      );
      expect(field).toBe('runAt');
    }
    expect(
      await validationField(() => scheduler.schedule(jobInput('A', '', ['g']), { runAt: T0 })),
    ).toBe('documentId');
    expect(await rt.queue.counts()).toMatchObject({ pending: 0 });
  });
});

describe('scheduler: recurring jobs', () => {
  it('validates the pattern, the zone and the job, naming the field', async () => {
    const rt = makeRuntime();
    const scheduler = new Scheduler({ queue: rt.queue, clock: rt.clock });
    const job = tickInput();
    const cases: [unknown, string][] = [
      [{ cron: '61 * * * *', job }, 'cron'],
      [{ cron: 'every day', job }, 'cron'],
      [{ cron: '', job }, 'cron'],
      [{ cron: 42, job }, 'cron'],
      [{ cron: '2030-01-01T00:00:00', job }, 'cron'], // a date, not a pattern
      [{ cron: '0 0 0 1 1 * 2020', job }, 'cron'], // no run after now
      [{ cron: '30 2 * * *', timezone: 'Mars/Olympus_Mons', job }, 'timezone'],
      [{ cron: '30 2 * * *', timezone: '', job }, 'timezone'],
      [{ cron: '30 2 * * *', job: 'nightly' }, 'job'],
      [{ cron: '30 2 * * *', job: { ...job, scopes: [] } }, 'job.scopes'],
      [{ cron: '30 2 * * *', job: { ...job, id: 'fixed' } }, 'job.id'],
      [{ cron: '30 2 * * *', job: { ...job, runAt: T0 } }, 'job.runAt'],
      [
        {
          cron: '30 2 * * *',
          job: {
            ...job,
            actions: [
              { ...job.actions[0]!, context: { signer: { publicKey: 'k', signature: 's' } } },
            ],
          },
        },
        'job.actions[0].context.signer',
      ],
      [{ id: '', cron: '30 2 * * *', job }, 'id'],
    ];
    for (const [input, field] of cases) {
      expect(
        await validationField(() => scheduler.scheduleRecurring(input as never)),
        JSON.stringify(input),
      ).toBe(field);
    }
    expect(await scheduler.list()).toEqual([]);
    expect(() => new Scheduler({ queue: rt.queue, refreshInterval: 0 })).toThrow(
      JobValidationError,
    );
  });

  it('enqueues one job per tick, with a job id per tick and new action ids, from the injected clock only', async () => {
    const rt = makeRuntime();
    const { queue, enqueued } = recordingQueue(rt.queue);
    const scheduler = new Scheduler({ queue, clock: rt.clock });
    const id = await scheduler.scheduleRecurring({
      id: 'every-10s',
      cron: '*/10 * * * * *',
      job: tickInput(),
    });
    expect(id).toBe('every-10s');
    await advance(rt.clock, 60_000);
    expect(enqueued).toEqual([]); // not started: nothing ticks
    await scheduler.start();
    // The 6 ticks missed before start run once, as the latest of them (T0 + 60 s ends in :20).
    expect(enqueued).toHaveLength(1);
    await advance(rt.clock, 30_000);
    const start = T0 + 60_000;
    const expected = [0, 10_000, 20_000, 30_000].map((d) => start + d);
    expect(enqueued.map((job) => job.id)).toEqual(expected.map((t) => tickJobId('every-10s', t)));
    expect(tickTimes(enqueued)).toEqual(expected.map((t) => new Date(t).toISOString()));
    expect(enqueued.map((job) => job.actions[0]!.id)).toEqual(
      expected.map((t) => `tick@${new Date(t).toISOString()}`),
    );
    expect(enqueued[0]!.actions[0]!.timestampUtcMs).toBe(new Date(expected[0]!).toISOString());
    expect(enqueued[0]!.meta).toEqual({
      scheduleId: 'every-10s',
      tickAt: new Date(expected[0]!).toISOString(),
    });
    expect(enqueued[0]!.runAt).toBeUndefined();

    const [info] = await scheduler.list();
    expect(info).toMatchObject({
      id: 'every-10s',
      cron: '*/10 * * * * *',
      timezone: 'UTC',
      job: 'input',
      nextRunAt: start + 40_000,
      lastTickAt: start + 30_000,
    });
    await scheduler.stop();
    await advance(rt.clock, 60_000);
    expect(enqueued).toHaveLength(4);
  });

  it('calls a function job with each tick; its job keeps its own id when it names one', async () => {
    const rt = makeRuntime();
    const { queue, enqueued } = recordingQueue(rt.queue);
    const scheduler = new Scheduler({ queue, clock: rt.clock });
    const seen: string[] = [];
    await scheduler.scheduleRecurring({
      id: 'fn',
      cron: '0 * * * * *',
      job: (tickAt) => {
        seen.push(tickAt.toISOString());
        return {
          ...tickInput(),
          id: seen.length === 2 ? 'second' : undefined,
          actions: [{ ...tickInput().actions[0]!, id: `t-${tickAt.getTime()}` }],
        };
      },
    });
    await scheduler.start();
    await advance(rt.clock, 120_000);
    expect(seen).toHaveLength(2);
    expect(enqueued.map((j) => j.id)).toEqual([tickJobId('fn', Date.parse(seen[0]!)), 'second']);
    expect(tickTimes(enqueued)).toEqual(seen);
    expect((await scheduler.list())[0]).toMatchObject({ job: 'function' });
    await scheduler.stop();
  });

  it('cancels a schedule: no more ticks, deleted from the store; jobs already enqueued stay', async () => {
    const rt = makeRuntime();
    const { queue, enqueued } = recordingQueue(rt.queue);
    const store = new MemoryScheduleStore();
    const scheduler = new Scheduler({ queue, store, clock: rt.clock });
    await scheduler.start();
    const id = await scheduler.scheduleRecurring({ cron: '* * * * *', job: tickInput() });
    await advance(rt.clock, 60_000);
    expect(enqueued).toHaveLength(1);
    expect(await scheduler.cancel(id)).toBe(true);
    await advance(rt.clock, 10 * 60_000);
    expect(enqueued).toHaveLength(1);
    expect(await store.list()).toEqual([]);
    expect(await scheduler.list()).toEqual([]);
    expect(await rt.queue.get(enqueued[0]!.id)).toBeDefined();
    expect(await scheduler.cancel(id)).toBe(false);
    await scheduler.stop();
  });

  it('retries a tick whose enqueue failed (1 s, 2 s, …), reporting each failure', async () => {
    const rt = makeRuntime();
    const { queue, calls, enqueued, state } = recordingQueue(rt.queue);
    const errors: unknown[] = [];
    const scheduler = new Scheduler({
      queue,
      clock: rt.clock,
      onError: (error) => errors.push(error),
    });
    await scheduler.scheduleRecurring({ id: 'daily', cron: '0 0 * * *', job: tickInput() });
    await scheduler.start();
    state.failNext = 2;
    const midnight = Date.UTC(2023, 10, 15);
    await advance(rt.clock, midnight - rt.clock.now());
    expect(calls).toHaveLength(1);
    await advance(rt.clock, 1_000);
    expect(calls).toHaveLength(2);
    await advance(rt.clock, 2_000);
    expect(calls).toHaveLength(3);
    expect(enqueued.map((j) => j.id)).toEqual([tickJobId('daily', midnight)]);
    expect(errors).toHaveLength(2);
    expect(String(errors[0])).toContain('will retry');
    await scheduler.stop();
  });

  it('reports a tick whose function throws, and keeps ticking', async () => {
    const rt = makeRuntime();
    const { queue, enqueued } = recordingQueue(rt.queue);
    const errors: unknown[] = [];
    const scheduler = new Scheduler({ queue, clock: rt.clock, onError: (e) => errors.push(e) });
    let n = 0;
    await scheduler.scheduleRecurring({
      id: 'flaky',
      cron: '* * * * *',
      job: () => {
        n++;
        if (n === 1) throw new Error('boom');
        return tickInput();
      },
    });
    await scheduler.start();
    await advance(rt.clock, 120_000);
    expect(errors.map(String)).toEqual([expect.stringContaining('its job function threw: boom')]);
    expect(enqueued).toHaveLength(1);
    await scheduler.stop();
  });
});
