/**
 * Handler jobs through the public face (README: Handler jobs): results via `watch`, retries of a
 * throw, `NonRetryableError`, timeouts through the signal, unknown handler types at submit and at
 * execution, key order and validation at the boundary.
 */
import { describe, expect, it } from 'vitest';
import {
  createReactor,
  type HandlerContext,
  JobErrorCodes,
  JobValidationError,
  NonRetryableError,
} from '../../src/index.js';
import { runUntil, SimulatedClock } from '../support/clock.js';

async function handlerReactor() {
  const clock = new SimulatedClock();
  clock.set(Date.UTC(2026, 0, 1));
  const reactor = await createReactor({ models: [], clock, random: () => 0.5 });
  return { reactor, clock };
}

/** Simulated I/O: resolves after `ms` of the reactor's clock. */
const sleep = (clock: SimulatedClock, ms: number) =>
  new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

describe('handler jobs', () => {
  it('runs the handler with its input and context, and watch returns what it returned', async () => {
    const { reactor, clock } = await handlerReactor();
    const seen: { input: unknown; attempt: number; jobId: string }[] = [];
    reactor.registerHandler('sum', async (input: { a: number; b: number }, ctx: HandlerContext) => {
      seen.push({ input, attempt: ctx.attempt, jobId: ctx.job.id });
      await sleep(clock, 10);
      return { total: input.a + input.b };
    });
    await reactor.start();
    const job = await reactor.submit({ handler: 'sum', input: { a: 2, b: 3 }, keys: ['k'] });
    expect(job).toMatchObject({ handler: 'sum', input: { a: 2, b: 3 }, keys: ['k'] });
    const watching = reactor.watch(job.id);
    let result: Awaited<typeof watching> | undefined;
    watching.then((r) => {
      result = r;
    });
    await runUntil(clock, () => result !== undefined);
    expect(result).toMatchObject({ success: true, output: { total: 5 }, operations: [] });
    expect(seen).toEqual([{ input: { a: 2, b: 3 }, attempt: 1, jobId: job.id }]);
    expect(await reactor.queue.get(job.id)).toMatchObject({
      status: 'COMPLETED',
      output: { total: 5 },
    });
    await reactor.close();
  });

  it('retries a throw with backoff and succeeds on a later attempt', async () => {
    const { reactor, clock } = await handlerReactor();
    let calls = 0;
    reactor.registerHandler('flaky', async () => {
      calls += 1;
      if (calls < 3) throw new Error(`transient ${calls}`);
      return 'ok';
    });
    await reactor.start({ maxRetries: 3, retryBaseDelay: 100 });
    const job = await reactor.submit({ handler: 'flaky' });
    let done = false;
    const watching = reactor.watch(job.id).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    expect(await watching).toMatchObject({ success: true, output: 'ok', job: { attempts: 3 } });
    expect(calls).toBe(3);
    await reactor.close();
  });

  it('fails a job for good on a NonRetryableError, and after its retries on a throw', async () => {
    const { reactor, clock } = await handlerReactor();
    let permanentCalls = 0;
    reactor.registerHandlers({
      permanent: () => {
        permanentCalls += 1;
        throw new NonRetryableError('no such recipient');
      },
      broken: () => {
        throw new Error('down');
      },
    });
    await reactor.start({ maxRetries: 2, retryBaseDelay: 10 });
    const permanent = await reactor.submit({ handler: 'permanent' });
    const broken = await reactor.submit({ handler: 'broken' });
    const results = Promise.all([reactor.watch(permanent.id), reactor.watch(broken.id)]);
    let done = false;
    results.finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    const [a, b] = await results;
    expect(a).toMatchObject({
      success: false,
      errorCode: JobErrorCodes.HANDLER_FAILED,
      errorMessage: 'no such recipient',
      job: { attempts: 1 },
    });
    expect(permanentCalls).toBe(1);
    expect(b).toMatchObject({
      success: false,
      errorCode: JobErrorCodes.IO_ERROR,
      errorMessage: 'Handler "broken" threw: down',
      job: { attempts: 3 },
    });
    await reactor.close();
  });

  it('aborts the signal on timeout and retries the job', async () => {
    const { reactor, clock } = await handlerReactor();
    const reasons: unknown[] = [];
    reactor.registerHandler('slow', async (_input, { signal, attempt }) => {
      if (attempt === 1) {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        reasons.push(signal.reason);
        return 'too late';
      }
      return 'in time';
    });
    await reactor.start({ jobTimeout: 1_000, maxRetries: 1, retryBaseDelay: 10 });
    const job = await reactor.submit({ handler: 'slow' });
    let done = false;
    const watching = reactor.watch(job.id).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    const r = await watching;
    expect(r).toMatchObject({ success: true, output: 'in time' });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ code: JobErrorCodes.TIMEOUT });
    await reactor.close();
  });

  it('rejects at submit a handler type this reactor has not registered, naming it', async () => {
    const { reactor } = await handlerReactor();
    reactor.registerHandler('email', () => undefined);
    await expect(reactor.submit({ handler: 'sms', input: {} })).rejects.toThrow(
      new JobValidationError(
        'handler',
        'no handler is registered for type "sms"; register it first with reactor.registerHandler("sms", handler) (registered: "email")',
      ),
    );
    expect(await reactor.queue.counts()).toMatchObject({ pending: 0 });
    await reactor.close();
  });

  it('fails with INVALID_JOB, without retrying, a job whose handler this process lacks', async () => {
    const { reactor, clock } = await handlerReactor();
    await reactor.start({ maxRetries: 5 });
    // Enqueued past the reactor's check, as another process (or a schedule) would.
    const job = await reactor.queue.enqueue({ handler: 'elsewhere', keys: ['k'] } as never);
    const next = await reactor.queue.enqueue({ handler: 'elsewhere', keys: ['k'] } as never);
    let done = false;
    const results = Promise.all([reactor.watch(job.id), reactor.watch(next.id)]).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    const [first] = await results;
    expect(first).toMatchObject({ success: false, errorCode: JobErrorCodes.INVALID_JOB });
    expect(first.errorMessage).toContain('"elsewhere"');
    expect(first.job.attempts).toBe(1);
    await reactor.close();
  });

  it('runs the jobs of a key one at a time in order; a two-key job holds both keys', async () => {
    const { reactor, clock } = await handlerReactor();
    const log: string[] = [];
    reactor.registerHandler('step', async ({ name, ms }: { name: string; ms: number }) => {
      log.push(`start ${name}`);
      await sleep(clock, ms);
      log.push(`end ${name}`);
    });
    await reactor.start({ maxConcurrency: 8 });
    const jobs = [
      await reactor.submit({ handler: 'step', input: { name: 'a1', ms: 50 }, keys: ['a'] }),
      await reactor.submit({ handler: 'step', input: { name: 'b1', ms: 10 }, keys: ['b'] }),
      await reactor.submit({ handler: 'step', input: { name: 'ab', ms: 10 }, keys: ['a', 'b'] }),
      await reactor.submit({ handler: 'step', input: { name: 'b2', ms: 10 }, keys: ['b'] }),
      await reactor.submit({ handler: 'step', input: { name: 'free', ms: 5 } }),
    ];
    let done = false;
    Promise.all(jobs.map((job) => reactor.watch(job.id))).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    const at = (entry: string) => log.indexOf(entry);
    expect(at('end a1')).toBeLessThan(at('start ab'));
    expect(at('end b1')).toBeLessThan(at('start ab'));
    expect(at('end ab')).toBeLessThan(at('start b2'));
    // Without keys, nothing waits for it: it ran beside a1.
    expect(at('end free')).toBeLessThan(at('end a1'));
    await reactor.close();
  });

  it('never shares a lane with a document: a key equal to a lane part does not wait for it', async () => {
    const { reactor } = await handlerReactor();
    reactor.registerHandler('noop', () => undefined);
    const one = await reactor.submit({ handler: 'noop', keys: ['global'] });
    const solo = await reactor.submit({ handler: 'noop', id: 'x' });
    const keyed = await reactor.submit({ handler: 'noop', keys: ['x'] });
    expect([one.documentId, solo.documentId, keyed.documentId]).toEqual(['', '', '']);
    expect([one.branch, solo.branch, keyed.branch]).toEqual(['key', 'job', 'key']);
    // All three are heads of their lanes at once.
    const claims = await reactor.queue.claim('test', 10);
    expect(claims.map((c) => c.job.id).sort()).toEqual([one.id, solo.id, keyed.id].sort());
    await reactor.close();
  });

  it('validates handler jobs at the boundary, naming the field', async () => {
    const { reactor } = await handlerReactor();
    reactor.registerHandler('noop', () => undefined);
    await expect(reactor.submit({ handler: 'noop', keys: ['a', 'a'] })).rejects.toThrow(
      'Invalid `keys[1]`: expected unique keys, got "a" again (see keys[0])',
    );
    await expect(reactor.submit({ handler: 'noop', keys: 'a' as never })).rejects.toThrow(
      'Invalid `keys`',
    );
    await expect(reactor.submit({ handler: 'noop', documentId: 'd' } as never)).rejects.toThrow(
      'Invalid `documentId`: unknown key "documentId"; a handler job takes only',
    );
    await expect(reactor.submit({ handler: 'noop', input: { f: () => 1 } })).rejects.toThrow(
      'Invalid `input.f`',
    );
    await expect(reactor.submit({ handler: '' })).rejects.toThrow('Invalid `handler`');
    await expect(reactor.submit({ handler: 'noop', maxRetries: -1 })).rejects.toThrow(
      'Invalid `maxRetries`',
    );
    await reactor.close();
  });

  it('fails a job whose handler returns what cannot be stored', async () => {
    const { reactor, clock } = await handlerReactor();
    reactor.registerHandler('big', () => 'x'.repeat(1_048_577));
    await reactor.start();
    const job = await reactor.submit({ handler: 'big' });
    let done = false;
    const watching = reactor.watch(job.id).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    const result = await watching;
    expect(result).toMatchObject({ success: false, errorCode: JobErrorCodes.HANDLER_FAILED });
    expect(result.errorMessage).toContain('HANDLER_LIMITS.maxOutputBytes');
    await reactor.close();
  });

  it.each([
    ['U+0000', { note: 'a\u0000b' }, 'U+0000'],
    ['a lone surrogate', ['\ud800'], 'lone surrogate'],
  ])(
    'fails a job whose handler returns text with %s (PostgreSQL jsonb refuses it)',
    async (_, value, named) => {
      const { reactor, clock } = await handlerReactor();
      reactor.registerHandler('odd', () => value);
      await reactor.start();
      const job = await reactor.submit({ handler: 'odd' });
      let done = false;
      const watching = reactor.watch(job.id).finally(() => {
        done = true;
      });
      await runUntil(clock, () => done);
      const result = await watching;
      expect(result).toMatchObject({ success: false, errorCode: JobErrorCodes.HANDLER_FAILED });
      expect(result.errorMessage).toContain(named);
      expect(result.errorMessage).toContain('output');
      expect((await reactor.queue.get(job.id))?.attempts).toBe(1);
      await reactor.close();
    },
  );
});

describe('handler jobs in the scheduler', () => {
  it('runs a delayed handler job at runAt, keeping its key place, and cancels another', async () => {
    const { reactor, clock } = await handlerReactor();
    const started: [string, number][] = [];
    reactor.registerHandler('note', ({ name }: { name: string }) => {
      started.push([name, clock.now()]);
    });
    await reactor.start();
    const t0 = clock.now();
    const delayed = await reactor.scheduler.schedule(
      { handler: 'note', input: { name: 'delayed' }, keys: ['k'] },
      { runAt: t0 + 5_000 },
    );
    const behind = await reactor.submit({
      handler: 'note',
      input: { name: 'behind' },
      keys: ['k'],
    });
    const cancelled = await reactor.scheduler.schedule(
      { handler: 'note', input: { name: 'cancelled' } },
      { runAt: t0 + 1_000 },
    );
    expect(await reactor.cancel(cancelled)).toBe(true);
    let done = false;
    Promise.all([reactor.watch(delayed), reactor.watch(behind.id)]).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    expect(started).toEqual([
      ['delayed', t0 + 5_000],
      ['behind', t0 + 5_000],
    ]);
    await reactor.close();
  });

  it('enqueues a recurring handler job at each tick, with the tick in its id and meta', async () => {
    const { reactor, clock } = await handlerReactor();
    const ticks: string[] = [];
    reactor.registerHandler('report', (_input, { job }) => {
      ticks.push(String(job.meta?.tickAt));
    });
    await reactor.start();
    const id = await reactor.scheduler.scheduleRecurring({
      cron: '*/10 * * * *',
      timezone: 'UTC',
      job: { handler: 'report', input: { kind: 'daily' }, keys: ['reports'] },
    });
    await runUntil(clock, () => ticks.length === 2);
    expect(ticks).toEqual(['2026-01-01T00:10:00.000Z', '2026-01-01T00:20:00.000Z']);
    expect(await reactor.queue.get(`${id}@2026-01-01T00:10:00.000Z`)).toMatchObject({
      status: 'COMPLETED',
      handler: 'report',
      keys: ['reports'],
    });
    await reactor.close();
  });
});

describe('handler jobs in the metrics', () => {
  it('counts handler jobs by handler type, apart from document types', async () => {
    const { reactor, clock } = await handlerReactor();
    reactor.registerHandlers({
      ok: () => 'done',
      bad: () => {
        throw new NonRetryableError('no');
      },
    });
    await reactor.start({ maxConcurrency: 1 });
    const jobs = [
      await reactor.submit({ handler: 'ok', keys: ['k'] }),
      await reactor.submit({ handler: 'ok', keys: ['k'] }),
      await reactor.submit({ handler: 'bad', keys: ['k'] }),
    ];
    let done = false;
    Promise.all(jobs.map((job) => reactor.watch(job.id))).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    const byType = await reactor.metrics.getStatsByType();
    expect(byType['handler:ok']).toMatchObject({ completed: 2, failed: 0 });
    expect(byType['handler:bad']).toMatchObject({ completed: 0, failed: 1 });
    await reactor.close();
  });
});

describe('handler job progress', () => {
  it('publishes ctx.progress as jobProgress during the attempt, and ignores it after', async () => {
    const { reactor, clock } = await handlerReactor();
    const seen: unknown[] = [];
    reactor.on('jobProgress', ({ job, attempt, progress }) =>
      seen.push([job.id, attempt, progress]),
    );
    let late: ((value: unknown) => void) | undefined;
    reactor.registerHandler('long', async (_input, ctx) => {
      ctx.progress({ done: 1, of: 2 });
      await sleep(clock, 10);
      ctx.progress({ done: 2, of: 2 });
      late = ctx.progress;
      return 'ok';
    });
    await reactor.start();
    const job = await reactor.submit({ handler: 'long' });
    let done = false;
    reactor.watch(job.id).finally(() => {
      done = true;
    });
    await runUntil(clock, () => done);
    late?.({ done: 3 });
    expect(seen).toEqual([
      [job.id, 1, { done: 1, of: 2 }],
      [job.id, 1, { done: 2, of: 2 }],
    ]);
    await reactor.close();
  });
});
