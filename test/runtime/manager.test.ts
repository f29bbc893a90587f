import { afterEach, describe, expect, it } from 'vitest';
import { JobErrorCodes } from '../../src/errors.js';
import { backoffDelay } from '../../src/machines/backoff.js';
import { advance, flush, runUntil, seededRandom } from '../support/clock.js';
import { jobInput, makeRuntime } from '../support/runtime.js';

type Runtime = ReturnType<typeof makeRuntime>;
let current: Runtime | undefined;
afterEach(() => {
  current?.manager.dispose();
  current = undefined;
});
function runtime(...args: Parameters<typeof makeRuntime>) {
  current = makeRuntime(...args);
  return current;
}

async function finished(rt: Runtime, ids: string[]) {
  await runUntil(rt.clock, () =>
    ids.every((id) => rt.monitor.forJob(id).some((n) => n === 'jobCompleted' || n === 'jobFailed')),
  );
}

describe('JobExecutorManager', () => {
  it('runs jobs and publishes jobStarted → jobCompleted with numeric codes on the bus', async () => {
    const rt = runtime();
    const seen: number[] = [];
    rt.bus.subscribe(20000, () => {
      seen.push(20000);
    });
    rt.bus.subscribe(20001, () => {
      seen.push(20001);
    });
    await rt.manager.start({ maxConcurrency: 2 });
    await rt.queue.enqueue(jobInput('j1', 'd1', ['global']));
    const result = await rt.manager.watch('j1');
    expect(result.success).toBe(true);
    expect(result.job.status).toBe('COMPLETED');
    expect(rt.monitor.trace()).toEqual(['executorStarted', 'jobStarted:j1', 'jobCompleted:j1']);
    expect(seen).toEqual([20000, 20001]);
    expect((await rt.queue.get('j1'))?.status).toBe('COMPLETED');
    await rt.manager.stop();
    expect(rt.monitor.trace().at(-1)).toBe('executorStopped');
  });

  it('keeps a retrying job in its place: job 2 of the lane waits while job 1 backs off, other lanes use the slot', async () => {
    const rt = runtime({
      config: { maxConcurrency: 1, retryBaseDelay: 100, retryMaxDelay: 1_000 },
      script: (job, attempt) =>
        job.id === 'j1' && attempt <= 2
          ? { kind: 'fail', code: JobErrorCodes.IO_ERROR }
          : { kind: 'ok', after: 10 },
    });
    await rt.manager.start();
    await rt.queue.enqueueMany([
      jobInput('j1', 'd1', ['global']),
      jobInput('j2', 'd1', ['global']),
      jobInput('k1', 'd2', ['global']),
    ]);
    await finished(rt, ['j1', 'j2', 'k1']);
    expect(rt.monitor.forJob('j1')).toEqual([
      'jobStarted',
      'jobRetry',
      'jobStarted',
      'jobRetry',
      'jobStarted',
      'jobCompleted',
    ]);
    const trace = rt.monitor.trace((e) => e.name === 'jobStarted' || e.name === 'jobCompleted');
    // j2 starts only after j1 completed; k1 ran on the free slot while j1 backed off.
    expect(trace.indexOf('jobStarted:j2')).toBeGreaterThan(trace.indexOf('jobCompleted:j1'));
    expect(trace.indexOf('jobStarted:k1')).toBeLessThan(trace.indexOf('jobCompleted:j1'));
    expect(rt.executor.violations).toEqual([]);
    expect(rt.executor.laneOrder.get('d1/global/main')).toEqual(['j1', 'j2']);
  });

  it('waits full-jitter backoff delays within base/max, as drawn from the injected random source', async () => {
    const rt = runtime({
      seed: 7,
      config: { retryBaseDelay: 100, retryMaxDelay: 300, maxRetries: 4 },
      script: () => ({ kind: 'fail', code: JobErrorCodes.IO_ERROR }),
    });
    await rt.manager.start();
    await rt.queue.enqueue(jobInput('j1', 'd1', ['global']));
    await finished(rt, ['j1']);
    const delays = rt.monitor.events
      .filter((e) => e.name === 'jobRetry')
      .map((e) => e.payload.delay);
    // The manager draws from the same seeded source: recompute the sequence with a fresh one.
    const rnd = seededRandom(7);
    expect(delays).toEqual([0, 1, 2, 3].map((retry) => backoffDelay(retry, 100, 300, rnd)));
    for (const [retry, delay] of delays.entries()) {
      expect(delay).toBeLessThanOrEqual(Math.min(300, 100 * 2 ** retry));
    }
    const starts = rt.executor.calls.map((c) => c.at);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(delays[i - 1]);
    expect(rt.monitor.forJob('j1').at(-1)).toBe('jobFailed');
    const failed = rt.monitor.events.find((e) => e.name === 'jobFailed')!.payload;
    expect(failed.willRetry).toBe(false);
    expect(failed.error.code).toBe(JobErrorCodes.IO_ERROR);
  });

  it('does not retry non-retryable errors', async () => {
    const rt = runtime({ script: () => ({ kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR }) });
    await rt.manager.start();
    await rt.queue.enqueue(jobInput('j1', 'd1', ['global']));
    const result = await (async () => {
      const p = rt.manager.watch('j1');
      await runUntil(rt.clock, () => rt.monitor.count('jobFailed') === 1);
      return p;
    })();
    expect(result.success).toBe(false);
    expect(result.errorCode).toBe(JobErrorCodes.LIBRARY_ERROR);
    expect(rt.monitor.forJob('j1')).toEqual(['jobStarted', 'jobFailed']);
    expect((await rt.queue.get('j1'))?.status).toBe('FAILED');
  });

  it('jobFailed carries the failed result: error code, the last attempt’s duration, and getStats counts it', async () => {
    const rt = runtime({
      script: () => ({ kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR, after: 40 }),
    });
    const payloads: { retryCount: number; result: { duration: number; errorCode?: number } }[] = [];
    rt.manager.on('jobFailed', (payload) => {
      payloads.push(payload);
    });
    await rt.manager.start();
    await rt.queue.enqueue(jobInput('j1', 'd1', ['global']));
    await runUntil(rt.clock, () => rt.monitor.count('jobFailed') === 1);
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toMatchObject({
      retryCount: 0,
      result: { success: false, duration: 40, errorCode: JobErrorCodes.LIBRARY_ERROR },
    });
    expect((await rt.manager.getStats()).averageExecutionTime).toBe(40);
  });

  it('times out an attempt that ignores its signal: the lane stays held until it settles, then retries with TIMEOUT', async () => {
    const rt = runtime({
      config: { jobTimeout: 100, retryBaseDelay: 0, retryMaxDelay: 0 },
      script: (job, attempt) =>
        job.id === 'j1' && attempt === 1
          ? { kind: 'ignoreSignal', after: 500, code: JobErrorCodes.IO_ERROR }
          : { kind: 'ok' },
    });
    await rt.manager.start({ maxConcurrency: 4 });
    await rt.queue.enqueueMany([
      jobInput('j1', 'd1', ['global']),
      jobInput('j2', 'd1', ['global']),
    ]);
    await advance(rt.clock, 150);
    // Timed out, but the late promise has not settled: nothing else runs on the lane.
    expect(rt.executor.calls.map((c) => c.jobId)).toEqual(['j1']);
    await finished(rt, ['j1', 'j2']);
    expect(rt.executor.lateResults).toEqual(['j1']);
    const retry = rt.monitor.events.find((e) => e.name === 'jobRetry')!.payload;
    expect(retry.error.code).toBe(JobErrorCodes.TIMEOUT);
    const j2Start = rt.executor.calls.find((c) => c.jobId === 'j2')!.at;
    expect(j2Start).toBeGreaterThanOrEqual(1_700_000_000_000 + 500);
    expect(rt.executor.violations).toEqual([]);
    expect(rt.monitor.forJob('j1')).toEqual([
      'jobStarted',
      'jobRetry',
      'jobStarted',
      'jobCompleted',
    ]);
  });

  it('a timed-out attempt that succeeds late completes the job (its write is stored), even on its last attempt', async () => {
    const rt = runtime({
      config: { jobTimeout: 100, maxRetries: 0 },
      script: (job) => (job.id === 'j1' ? { kind: 'ignoreSignal', after: 500 } : { kind: 'ok' }),
    });
    await rt.manager.start({ maxConcurrency: 4 });
    await rt.queue.enqueueMany([
      jobInput('j1', 'd1', ['global']),
      jobInput('j2', 'd1', ['global']),
    ]);
    await finished(rt, ['j1', 'j2']);
    expect(rt.executor.lateResults).toEqual(['j1']);
    expect(rt.monitor.forJob('j1')).toEqual(['jobStarted', 'jobCompleted']);
    expect(await rt.queue.get('j1')).toMatchObject({ status: 'COMPLETED', attempts: 1 });
  });

  it('stop(true) lets running attempts finish and returns backing-off jobs to the queue with their attempt count', async () => {
    const rt = runtime({
      config: { retryBaseDelay: 10_000, retryMaxDelay: 10_000 },
      seed: 3,
      script: (job, attempt) =>
        job.id === 'slow'
          ? { kind: 'ok', after: 50 }
          : attempt === 1
            ? { kind: 'fail', code: JobErrorCodes.IO_ERROR }
            : { kind: 'ok' },
    });
    await rt.manager.start();
    await rt.queue.enqueueMany([
      jobInput('slow', 'd1', ['global']),
      jobInput('flaky', 'd2', ['global']),
    ]);
    await runUntil(rt.clock, () => rt.monitor.count('jobRetry') === 1);
    const stopping = rt.manager.stop(true);
    await runUntil(rt.clock, () => rt.monitor.count('executorStopped') === 1);
    await stopping;
    expect(rt.monitor.forJob('slow')).toEqual(['jobStarted', 'jobCompleted']);
    const flaky = await rt.queue.get('flaky');
    expect(flaky).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(rt.manager.residentLanes).toBe(0);
    // Started again, it finishes exactly once.
    await rt.manager.start();
    await finished(rt, ['flaky']);
    expect(rt.monitor.forJob('flaky').filter((n) => n === 'jobCompleted')).toHaveLength(1);
    expect((await rt.queue.get('flaky'))?.attempts).toBe(2);
  });

  it('stop(false) aborts running attempts with GRACEFUL_ABORT; the jobs go back to pending uncounted and finish once after start', async () => {
    const rt = runtime({
      script: (_job, attempt) => (attempt === 1 ? { kind: 'hang' } : { kind: 'ok' }),
    });
    await rt.manager.start();
    await rt.queue.enqueueMany([jobInput('a', 'd1', ['global']), jobInput('b', 'd2', ['global'])]);
    await runUntil(rt.clock, () => rt.executor.running === 2);
    await rt.manager.stop(false);
    expect(await rt.queue.get('a')).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(await rt.queue.get('b')).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(rt.monitor.count('jobFailed')).toBe(0);
    expect(rt.monitor.events.find((e) => e.name === 'executorStopped')!.payload.graceful).toBe(
      false,
    );
    await rt.manager.start();
    await finished(rt, ['a', 'b']);
    expect(rt.monitor.count('jobCompleted')).toBe(2);
    expect(await rt.queue.counts()).toMatchObject({ completed: 2, pending: 0, running: 0 });
  });

  it('pause stops new attempts (and due retries) until resume; running attempts finish', async () => {
    const rt = runtime({ script: () => ({ kind: 'ok', after: 20 }) });
    await rt.manager.start({ maxConcurrency: 1 });
    await rt.queue.enqueueMany([jobInput('a', 'd1', ['global']), jobInput('b', 'd2', ['global'])]);
    await runUntil(rt.clock, () => rt.executor.running === 1);
    await rt.manager.pause();
    await advance(rt.clock, 1_000);
    expect(rt.monitor.trace((e) => e.name.startsWith('job'))).toEqual([
      'jobStarted:a',
      'jobCompleted:a',
    ]);
    expect((await rt.manager.getStatus()).isPaused).toBe(true);
    await rt.manager.resume();
    await finished(rt, ['b']);
    expect(rt.monitor.count('jobCompleted')).toBe(2);
  });

  it('watch resolves at once for a finished job, rejects for an unknown id, and honours its signal', async () => {
    const rt = runtime({
      script: (job) => (job.id === 'slow' ? { kind: 'hang' } : { kind: 'ok' }),
    });
    await rt.manager.start();
    await rt.queue.enqueue(jobInput('done', 'd1', ['global']));
    await finished(rt, ['done']);
    await expect(rt.manager.watch('done')).resolves.toMatchObject({ success: true });
    await expect(rt.manager.watch('nope')).rejects.toThrow(/Unknown job id/);
    await rt.queue.enqueue(jobInput('slow', 'd2', ['global']));
    const controller = new AbortController();
    const watching = rt.manager.watch('slow', controller.signal);
    controller.abort(new Error('gave up'));
    await expect(watching).rejects.toThrow('gave up');
    await rt.manager.stop(false);
  });

  it('a throwing subscriber changes nothing', async () => {
    const rt = runtime();
    rt.manager.on('jobStarted', () => {
      throw new Error('boom');
    });
    await rt.manager.start();
    await rt.queue.enqueue(jobInput('j1', 'd1', ['global']));
    await finished(rt, ['j1']);
    expect(rt.monitor.trace()).toEqual(['executorStarted', 'jobStarted:j1', 'jobCompleted:j1']);
  });

  it('holds every lane of a multi-scope job', async () => {
    const rt = runtime({ script: () => ({ kind: 'ok', after: 10 }) });
    await rt.manager.start({ maxConcurrency: 8 });
    await rt.queue.enqueueMany([
      jobInput('g1', 'd1', ['global']),
      jobInput('both', 'd1', ['global', 'local']),
      jobInput('l1', 'd1', ['local']),
    ]);
    await finished(rt, ['g1', 'both', 'l1']);
    expect(rt.executor.violations).toEqual([]);
    expect(rt.executor.laneOrder.get('d1/global/main')).toEqual(['g1', 'both']);
    expect(rt.executor.laneOrder.get('d1/local/main')).toEqual(['both', 'l1']);
  });

  it('halt policy blocks the lane until retryJob / skipJob', async () => {
    let failFirst = true;
    const rt = runtime({
      policy: 'halt',
      script: (job) => {
        if (job.id === 'bad' && failFirst)
          return { kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR };
        return { kind: 'ok' };
      },
    });
    await rt.manager.start();
    await rt.queue.enqueueMany([
      jobInput('bad', 'd1', ['global']),
      jobInput('next', 'd1', ['global']),
    ]);
    await runUntil(rt.clock, () => rt.monitor.count('jobFailed') === 1);
    await flush();
    expect(await rt.manager.getBlockedLanes()).toMatchObject([
      { documentId: 'd1', scope: 'global', jobId: 'bad' },
    ]);
    expect(rt.monitor.forJob('next')).toEqual([]);
    expect((await rt.manager.watch('bad')).success).toBe(false);
    failFirst = false;
    await rt.manager.retryJob('bad');
    // The old failure is no longer its outcome: watch waits for the retried run.
    const rerun = rt.manager.watch('bad');
    await finished(rt, ['next']);
    expect((await rerun).success).toBe(true);
    expect(rt.executor.laneOrder.get('d1/global/main')).toEqual(['bad', 'next']);
    expect(await rt.manager.getBlockedLanes()).toEqual([]);
  });

  it('reports status and stats', async () => {
    const rt = runtime({
      script: (job) =>
        job.id === 'x'
          ? { kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR }
          : { kind: 'ok', after: 5 },
    });
    await rt.manager.start();
    await rt.queue.enqueueMany([jobInput('a', 'd1', ['global']), jobInput('x', 'd2', ['global'])]);
    await finished(rt, ['a', 'x']);
    const status = await rt.manager.getStatus();
    expect(status).toMatchObject({
      isRunning: true,
      totalJobsProcessed: 2,
      totalJobsSucceeded: 1,
      totalJobsFailed: 1,
      activeJobs: 0,
    });
    const stats = await rt.manager.getStats();
    expect(stats.successRate).toBe(0.5);
    expect(stats.queueBacklog).toBe(0);
    expect(stats.jobsPerSecond).toBeGreaterThan(0);
  });
});
