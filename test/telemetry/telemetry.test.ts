/**
 * OpenTelemetry (README, OpenTelemetry), with the SDK's in-memory exporters: the span tree and
 * attributes of a retried job, and the metric values after a small workload.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { MemoryOperationStore, MemoryQueue } from '../../src/adapters/memory/index.js';
import type { StorageContext } from '../../src/adapters/ports.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { ConfigError, createReactor, JobErrorCodes } from '../../src/index.js';
import { SimulatedClock, seededRandom } from '../support/clock.js';
import { interceptStorage } from '../support/intercepted-ports.js';

/** A reader the test collects from (no export timer). */
class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Memory storage whose appends fail with a transient driver error while `faults.left > 0`. */
function flakyStorage(faults: { left: number }) {
  return (ctx: StorageContext) =>
    interceptStorage(
      {
        queue: new MemoryQueue({ bus: ctx.bus, clock: ctx.clock }),
        store: new MemoryOperationStore(),
        close: async () => {},
      },
      {
        before: ({ method }) => {
          if (method !== 'append' || faults.left === 0) return;
          faults.left -= 1;
          throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        },
      },
    );
}

async function telemetryReactor() {
  const faults = { left: 0 };
  const clock = new SimulatedClock();
  clock.set(Date.UTC(2026, 0, 1));
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const reactor = await createReactor({
    models: [counterModel],
    clock,
    random: seededRandom(7),
    storage: flakyStorage(faults),
    telemetry: { tracerProvider, meterProvider },
  });
  return { reactor, clock, spans, reader, faults };
}

async function settle(
  reactor: Awaited<ReturnType<typeof createReactor>>,
  clock: SimulatedClock,
  jobId: string,
) {
  const watching = reactor.watch(jobId);
  let done = false;
  watching.finally(() => {
    done = true;
  });
  // Step the simulated clock through the backoff until the job finishes.
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.increment(50);
  }
  return watching;
}

describe('OpenTelemetry', () => {
  it('names the handler and keys of a handler job on its enqueue and attempt spans', async () => {
    const { reactor, clock, spans } = await telemetryReactor();
    reactor.registerHandler('email', () => 'sent');
    await reactor.start();
    const job = await reactor.submit({ handler: 'email', input: {}, keys: ['user-1'] });
    expect((await settle(reactor, clock, job.id)).output).toBe('sent');
    const finished = spans.getFinishedSpans();
    for (const name of ['seriatim.enqueue', 'seriatim.attempt']) {
      expect(finished.find((span) => span.name === name)?.attributes).toMatchObject({
        'seriatim.handler': 'email',
        'seriatim.keys': ['user-1'],
      });
    }
    await reactor.close();
  });

  it("ends a stateful handler's attempt span at its wait, and spans each call after a wake-up", async () => {
    const { reactor, clock, spans } = await telemetryReactor();
    reactor.registerHandler('steps', async (_input, ctx) => {
      const step = (await ctx.checkpoint.load<number>()) ?? 0;
      if (step === 2) return 'done';
      await ctx.checkpoint.save(step + 1);
      return ctx.wait({ delay: 100 });
    });
    await reactor.start();
    const job = await reactor.submit({ handler: 'steps', keys: ['k'] });
    expect((await settle(reactor, clock, job.id)).output).toBe('done');
    const attempts = spans.getFinishedSpans().filter((span) => span.name === 'seriatim.attempt');
    expect(attempts.map((span) => span.attributes['seriatim.outcome'])).toEqual([
      'waiting',
      'waiting',
      'completed',
    ]);
    await reactor.close();
  });

  it('traces a retried job: an enqueue span, one attempt span per attempt as its children and linked to it', async () => {
    const { reactor, clock, spans, faults } = await telemetryReactor();
    await reactor.start({ retryBaseDelay: 100 });
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await settle(reactor, clock, created.id);
    spans.reset();
    faults.left = 1;

    const job = await reactor.submit({
      documentId: 'c1',
      scopes: ['global'],
      actions: [counterActions.increment(1)],
    });
    expect((await settle(reactor, clock, job.id)).success).toBe(true);

    const finished = spans.getFinishedSpans();
    const enqueue = finished.find((span) => span.name === 'seriatim.enqueue')!;
    const attempts = finished.filter((span) => span.name === 'seriatim.attempt');
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expect(enqueue.attributes).toMatchObject({
      'seriatim.job.id': job.id,
      'seriatim.document.id': 'c1',
      'seriatim.lanes': ['["c1","global","main"]'],
    });
    expect(attempts.map((span) => span.attributes['seriatim.attempt'])).toEqual([1, 2]);
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(SpanKind.CONSUMER);
      expect(attempt.spanContext().traceId).toBe(enqueue.spanContext().traceId);
      expect(attempt.parentSpanContext?.spanId).toBe(enqueue.spanContext().spanId);
      expect(attempt.links.map((link) => link.context.spanId)).toEqual([
        enqueue.spanContext().spanId,
      ]);
      expect(attempt.attributes).toMatchObject({
        'seriatim.job.id': job.id,
        'seriatim.document.type': counterModel.documentType,
        'seriatim.branch': 'main',
        'seriatim.scopes': ['global'],
        'seriatim.lanes': ['["c1","global","main"]'],
      });
    }
    expect(attempts[0]!.attributes).toMatchObject({
      'seriatim.outcome': 'retry',
      'seriatim.error.code': JobErrorCodes.IO_ERROR,
      'seriatim.error.name': 'IO_ERROR',
    });
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]!.attributes['seriatim.outcome']).toBe('completed');
    expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET);
    await reactor.close();
  });

  it('counts jobs by type and outcome, times attempts, and observes backlog, running and lanes', async () => {
    const { reactor, clock, reader, faults } = await telemetryReactor();
    await reactor.start({ retryBaseDelay: 100, laneIdleTimeout: 600_000 });
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    await settle(reactor, clock, created.id);
    faults.left = 2;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await reactor.submit({
            documentId: 'c1',
            scopes: ['global'],
            actions: [counterActions.increment(i)],
          })
        ).id,
      );
    }
    ids.push(
      (
        await reactor.submit({
          documentId: 'ghost',
          scopes: ['global'],
          actions: [counterActions.increment(1)],
        })
      ).id,
    );
    for (const id of ids) await settle(reactor, clock, id);

    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.find(
      (scope) => scope.scope.name === 'seriatim',
    )!.metrics;
    const points = (name: string) =>
      metrics.find((metric) => metric.descriptor.name === name)?.dataPoints as DataPoint<number>[];
    const sum = (name: string, attributes: Record<string, unknown>) =>
      points(name)
        .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
        .reduce((total, p) => total + p.value, 0);
    const counter = { 'seriatim.document.type': counterModel.documentType };
    const unknown = { 'seriatim.document.type': 'unknown' };

    expect(sum('seriatim.jobs.started', counter)).toBe(4);
    expect(sum('seriatim.jobs.started', unknown)).toBe(1);
    expect(sum('seriatim.jobs.completed', counter)).toBe(4);
    expect(
      sum('seriatim.jobs.failed', { ...unknown, 'seriatim.error.name': 'DOCUMENT_NOT_FOUND' }),
    ).toBe(1);
    expect(sum('seriatim.jobs.retried', { ...counter, 'seriatim.error.name': 'IO_ERROR' })).toBe(2);
    const durations = points('seriatim.attempt.duration') as unknown as DataPoint<Histogram>[];
    expect(durations.reduce((total, p) => total + p.value.count, 0)).toBe(7);
    expect(sum('seriatim.queue.backlog', {})).toBe(0);
    expect(sum('seriatim.jobs.running', {})).toBe(0);
    expect(sum('seriatim.lanes.resident', {})).toBe(reactor.manager.residentLanes);
    expect(reactor.manager.residentLanes).toBeGreaterThan(0);
    expect(sum('seriatim.lanes.blocked', {})).toBe(0);
    await reactor.close();
  });

  it('rejects a telemetry option that is not a provider, naming it', async () => {
    await expect(
      createReactor({ models: [counterModel], telemetry: { tracerProvider: {} as never } }),
    ).rejects.toThrow(
      new ConfigError(
        'telemetry.tracerProvider',
        'expected `tracerProvider` to have a getTracer() method, got object',
      ),
    );
  });
});
