/**
 * The Reactor as the one public face (README, Quick start (library) and Reactor): events by name
 * with unsubscribe, once and off; cancel; pause/resume and status; the halt policy's lane
 * controls; `stop({ graceful, timeout })` with a deadline, `stop(false)` still aborting at once.
 */
import { describe, expect, it } from 'vitest';
import { MemoryOperationStore, MemoryQueue } from '../../src/adapters/memory/index.js';
import type { Storage, StorageContext } from '../../src/adapters/ports.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import {
  ConfigError,
  createReactor,
  JobErrorCodes,
  type JobStartedEvent,
  type ReactorOptions,
} from '../../src/index.js';
import { advance, flush, runUntil, SimulatedClock } from '../support/clock.js';
import { interceptStorage } from '../support/intercepted-ports.js';

async function memoryReactor(extra: Partial<ReactorOptions> = {}) {
  const clock = new SimulatedClock();
  clock.set(Date.UTC(2026, 0, 1));
  const reactor = await createReactor({ models: [counterModel], clock, ...extra });
  return { reactor, clock };
}

const increment = (documentId: string, by = 1) => ({
  documentId,
  scopes: ['global'],
  actions: [counterActions.increment(by)],
});

describe('reactor events', () => {
  it('delivers typed events by name; on() returns the unsubscribe, once() fires once, off() removes', async () => {
    const { reactor, clock } = await memoryReactor();
    await reactor.start();
    const started: JobStartedEvent[] = [];
    const completed: string[] = [];
    const onceSeen: string[] = [];
    const removed: string[] = [];
    const unsubscribe = reactor.on('jobStarted', (event) => started.push(event));
    reactor.once('jobCompleted', ({ job }) => onceSeen.push(job.id));
    reactor.on('jobCompleted', ({ job, result }) => {
      expect(result.success).toBe(true);
      completed.push(job.id);
    });
    const handler = ({ job }: { job: { id: string } }) => removed.push(job.id);
    reactor.on('jobCompleted', handler);
    reactor.on('jobCompleted', handler);
    reactor.off('jobCompleted', handler);

    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await reactor.watch(created.id);
    unsubscribe();
    const job = await reactor.submit(increment('c1'));
    await reactor.watch(job.id);
    await runUntil(clock, () => completed.length === 2);

    expect(started.map((event) => [event.job.id, event.attempt])).toEqual([[created.id, 1]]);
    expect(completed).toEqual([created.id, job.id]);
    expect(onceSeen).toEqual([created.id]);
    expect(removed).toEqual([]);
    await reactor.close();
  });

  it('delivers the queue hint jobAvailable through on()', async () => {
    const { reactor } = await memoryReactor();
    const hints: unknown[] = [];
    reactor.on('jobAvailable', (hint) => hints.push(hint));
    const job = await reactor.submit(increment('c1'));
    expect(hints).toEqual([{ jobId: job.id, documentId: 'c1' }]);
    await reactor.close();
  });

  it('rejects an unknown event name, naming the known ones', async () => {
    const { reactor } = await memoryReactor();
    // @ts-expect-error not an event name
    expect(() => reactor.on('completed', () => {})).toThrow(
      /Unknown event "completed"; expected one of jobStarted, .*jobAvailable/,
    );
    await reactor.close();
  });
});

describe('reactor controls', () => {
  it('cancels a delayed job: cancel() says so and its watch rejects', async () => {
    const { reactor, clock } = await memoryReactor();
    await reactor.start();
    const job = await reactor.submit({ ...increment('c1'), runAt: clock.now() + 60_000 });
    const watching = reactor.watch(job.id).catch((reason: Error) => reason.message);
    expect(await reactor.cancel(job.id)).toBe(true);
    expect(await watching).toBe(`Job ${job.id} was cancelled`);
    expect(await reactor.cancel(job.id)).toBe(false);
    await reactor.close();
  });

  it('lets many jobs be watched at once without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const { reactor } = await memoryReactor();
      await reactor.createDocument({ documentId: 'w1', documentType: counterModel.documentType });
      const jobs = [];
      for (let i = 0; i < 50; i++) jobs.push(await reactor.submit(increment('w1')));
      const watching = jobs.map((job) => reactor.watch(job.id));
      await reactor.start();
      const results = await Promise.all(watching);
      expect(results.every((result) => result.success)).toBe(true);
      await flush();
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      await reactor.close();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('pauses and resumes, as getStatus() and getStats() tell', async () => {
    const { reactor, clock } = await memoryReactor();
    await reactor.start();
    await reactor.pause();
    expect(await reactor.getStatus()).toMatchObject({ isRunning: true, isPaused: true });
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await advance(clock, 1_000);
    expect((await reactor.getStats()).queueBacklog).toBe(1);
    await reactor.resume();
    expect((await reactor.watch(created.id)).success).toBe(true);
    expect(await reactor.getStatus()).toMatchObject({ isPaused: false, totalJobsSucceeded: 1 });
    expect((await reactor.getStats()).queueBacklog).toBe(0);
    await reactor.close();
  });

  it('gives jobsPerSecond over the time since start while that is shorter than statsWindow', async () => {
    const { reactor, clock } = await memoryReactor();
    await reactor.start({ statsWindow: 10_000 });
    await advance(clock, 20);
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await reactor.watch(created.id);
    for (let i = 0; i < 4; i++) await reactor.watch((await reactor.submit(increment('c1'))).id);
    // 5 jobs, 20 ms after the start: 250 jobs/s (not 5 over the 10 s window, 0.5).
    expect((await reactor.getStats()).jobsPerSecond).toBe(250);
    await advance(clock, 20_000);
    expect((await reactor.getStats()).jobsPerSecond).toBe(0);
    await reactor.close();
  });

  it('lists, skips and retries the lanes a failed job halts (halt policy)', async () => {
    const { reactor } = await memoryReactor({ laneFailurePolicy: 'halt' });
    await reactor.start();
    const missing = await reactor.submit(increment('ghost'));
    expect((await reactor.watch(missing.id)).errorCode).toBe(JobErrorCodes.DOCUMENT_NOT_FOUND);
    expect(await reactor.getBlockedLanes()).toMatchObject([
      { jobId: missing.id, documentId: 'ghost', scope: 'global', branch: 'main' },
    ]);
    const behind = await reactor.submit(increment('ghost'));

    await reactor.retryJob(missing.id);
    expect((await reactor.watch(missing.id)).success).toBe(false);
    expect((await reactor.getBlockedLanes()).map((lane) => lane.jobId)).toEqual([missing.id]);

    await reactor.skipJob(missing.id);
    expect((await reactor.watch(behind.id)).errorCode).toBe(JobErrorCodes.DOCUMENT_NOT_FOUND);
    await reactor.close();
  });
});

/** Memory storage whose appends hang (honouring their signal) while `hold.on`. */
function holdingStorage(hold: { on: boolean; entered: number }) {
  return (ctx: StorageContext): Storage =>
    interceptStorage(
      {
        queue: new MemoryQueue({ bus: ctx.bus, clock: ctx.clock }),
        store: new MemoryOperationStore(),
        close: async () => {},
      },
      {
        before: async ({ method, args }) => {
          if (method !== 'append' || !hold.on) return;
          hold.entered++;
          const { signal } = args[0] as { signal?: AbortSignal };
          await new Promise((_, reject) =>
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
        },
      },
    );
}

describe('reactor.stop', () => {
  it('waits for running attempts until the timeout, then aborts them: their jobs go back to pending', async () => {
    const hold = { on: false, entered: 0 };
    const { reactor, clock } = await memoryReactor({ storage: holdingStorage(hold) });
    await reactor.start({ jobTimeout: 600_000 });
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await reactor.watch(created.id);
    hold.on = true;
    const job = await reactor.submit(increment('c1'));
    await runUntil(clock, () => hold.entered === 1);

    let stopped = false;
    const stopping = reactor.stop({ timeout: 5_000 }).then(() => {
      stopped = true;
    });
    await advance(clock, 4_999);
    expect(stopped).toBe(false);
    expect((await reactor.getStatus()).activeJobs).toBe(1);
    await advance(clock, 1);
    await stopping;

    expect(await reactor.queue.get(job.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    await reactor.close();
  });

  it('keeps stop(false): running attempts are aborted at once', async () => {
    const hold = { on: false, entered: 0 };
    const { reactor, clock } = await memoryReactor({ storage: holdingStorage(hold) });
    await reactor.start();
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await reactor.watch(created.id);
    hold.on = true;
    const job = await reactor.submit(increment('c1'));
    await runUntil(clock, () => hold.entered === 1);
    await reactor.stop(false);
    expect(await reactor.queue.get(job.id)).toMatchObject({ status: 'PENDING' });
    await flush();
    await reactor.close();
  });

  it('rejects bad stop options with a ConfigError naming the option', async () => {
    const { reactor } = await memoryReactor();
    await reactor.start();
    // @ts-expect-error wrong type
    await expect(reactor.stop({ graceful: 'no' })).rejects.toThrow(
      new ConfigError('stop.graceful', 'expected `graceful` to be a boolean, got "no"'),
    );
    await expect(reactor.stop({ timeout: -1 })).rejects.toMatchObject({
      name: 'ConfigError',
      option: 'stop.timeout',
    });
    // @ts-expect-error unknown option
    await expect(reactor.stop({ timout: 5 })).rejects.toThrow(
      /Invalid `stop.timout`: unknown option "timout"; expected one of graceful, timeout/,
    );
    expect((await reactor.getStatus()).isRunning).toBe(true);
    await reactor.close();
  });
});
