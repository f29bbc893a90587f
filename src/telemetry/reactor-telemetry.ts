/**
 * OpenTelemetry for a reactor (README, OpenTelemetry): a span per enqueue and per attempt, the
 * attempts children of (and linked to) their job's enqueue span when this process enqueued it,
 * and metrics for jobs started, completed, failed and retried by document type, attempt
 * duration, backlog, running attempts, resident and blocked lanes. Fed by this process's bus.
 * @module
 */
import type * as Otel from '@opentelemetry/api';
import type { IEventBus, IQueue } from '../adapters/ports.js';
import type { Clock } from '../clock.js';
import { errorCodeName, type JobError } from '../errors.js';
import { JobExecutorEventTypes } from '../events.js';
import { laneKey } from '../lane-key.js';
import { loadOptionalPeer } from '../optional-peer.js';
import type { Job, JobInput } from '../types.js';
import { INSTRUMENTATION_NAME, type TelemetryOptions } from './telemetry-options.js';

/** Enqueue spans remembered for linking, at most (the oldest forgotten first). */
const MAX_REMEMBERED = 100_000;
const VERSION = '0.1.0';

export type ReactorTelemetryDeps = {
  options: TelemetryOptions | true;
  bus: IEventBus;
  queue: IQueue;
  clock: Clock;
  /** The document type of a job's document, or `'unknown'`. */
  documentType(job: Job): string;
  running(): Promise<number>;
  residentLanes(): number;
};

type OpenAttempt = { span: Otel.Span; startedAt: number; type: string };

/** `@opentelemetry/api`. @throws MissingDependencyError naming it when it is not installed. */
export function loadOtelApi(): typeof Otel {
  return loadOptionalPeer<typeof Otel>(
    '@opentelemetry/api',
    'Telemetry (`createReactor({ telemetry })`)',
  );
}

/** Spans and metrics of one reactor. */
export class ReactorTelemetry {
  readonly #api: typeof Otel;
  readonly #tracer: Otel.Tracer;
  readonly #clock: Clock;
  readonly #documentType: (job: Job) => string;
  readonly #enqueued = new Map<string, Otel.SpanContext>();
  readonly #attempts = new Map<string, OpenAttempt>();
  readonly #unsubscribe: (() => void)[];
  readonly #disposeMetrics: () => void;

  constructor(deps: ReactorTelemetryDeps) {
    const api = loadOtelApi();
    this.#api = api;
    this.#clock = deps.clock;
    this.#documentType = deps.documentType;
    const options = deps.options === true ? {} : deps.options;
    const tracerProvider = (options.tracerProvider ??
      api.trace.getTracerProvider()) as Otel.TracerProvider;
    const meterProvider = (options.meterProvider ??
      api.metrics.getMeterProvider()) as Otel.MeterProvider;
    this.#tracer = tracerProvider.getTracer(INSTRUMENTATION_NAME, VERSION);
    const meter = meterProvider.getMeter(INSTRUMENTATION_NAME, VERSION);

    const started = meter.createCounter('seriatim.jobs.started', {
      description: 'Jobs whose first attempt started',
    });
    const completed = meter.createCounter('seriatim.jobs.completed', {
      description: 'Jobs completed',
    });
    const failed = meter.createCounter('seriatim.jobs.failed', {
      description: 'Jobs failed for good',
    });
    const retried = meter.createCounter('seriatim.jobs.retried', {
      description: 'Retries scheduled after a retryable failure',
    });
    const duration = meter.createHistogram('seriatim.attempt.duration', {
      description: 'Duration of one attempt',
      unit: 'ms',
    });
    const backlog = meter.createObservableGauge('seriatim.queue.backlog', {
      description: 'Jobs neither finished nor running',
    });
    const running = meter.createObservableGauge('seriatim.jobs.running', {
      description: 'Concurrency slots in use in this process',
    });
    const resident = meter.createObservableGauge('seriatim.lanes.resident', {
      description: 'Lane actors resident in this process',
    });
    const blocked = meter.createObservableGauge('seriatim.lanes.blocked', {
      description: 'Lanes blocked by a job halted under the halt policy',
    });
    const observe: Otel.BatchObservableCallback = async (result) => {
      const [queued, active, halted] = await Promise.all([
        deps.queue.backlog(),
        deps.running(),
        deps.queue.blockedLanes(),
      ]);
      result.observe(backlog, queued);
      result.observe(running, active);
      result.observe(resident, deps.residentLanes());
      result.observe(blocked, halted.length);
    };
    meter.addBatchObservableCallback(observe, [backlog, running, resident, blocked]);
    this.#disposeMetrics = () =>
      meter.removeBatchObservableCallback(observe, [backlog, running, resident, blocked]);

    const { bus } = deps;
    this.#unsubscribe = [
      bus.subscribe(JobExecutorEventTypes.JOB_STARTED, ({ job, attempt }) => {
        const type = this.#documentType(job);
        // A new attempt without an outcome event in between: the fatal path's re-apply.
        this.#end(job.id, 'resync');
        if (attempt === 1) started.add(1, { 'seriatim.document.type': type });
        this.#attempts.set(job.id, {
          span: this.#startAttempt(job, attempt),
          startedAt: this.#clock.now(),
          type,
        });
      }),
      bus.subscribe(JobExecutorEventTypes.JOB_RETRY, ({ job, error }) => {
        const open = this.#end(job.id, 'retry', error);
        retried.add(1, {
          'seriatim.document.type': open?.type ?? this.#documentType(job),
          'seriatim.error.name': errorCodeName(error.code),
        });
        if (open)
          duration.record(this.#clock.now() - open.startedAt, {
            'seriatim.outcome': 'retry',
            'seriatim.document.type': open.type,
          });
      }),
      bus.subscribe(JobExecutorEventTypes.JOB_COMPLETED, ({ job }) => {
        const open = this.#end(job.id, 'completed');
        const type = this.#documentType(job);
        completed.add(1, { 'seriatim.document.type': type });
        if (open)
          duration.record(this.#clock.now() - open.startedAt, {
            'seriatim.outcome': 'completed',
            'seriatim.document.type': type,
          });
        this.#enqueued.delete(job.id);
      }),
      bus.subscribe(JobExecutorEventTypes.JOB_FAILED, ({ job, error }) => {
        const open = this.#end(job.id, 'failed', error);
        const type = this.#documentType(job);
        failed.add(1, {
          'seriatim.document.type': type,
          'seriatim.error.name': errorCodeName(error.code),
        });
        if (open)
          duration.record(this.#clock.now() - open.startedAt, {
            'seriatim.outcome': 'failed',
            'seriatim.document.type': type,
          });
        this.#enqueued.delete(job.id);
      }),
      // A stateful handler's call ended in `ctx.wait`: the job sleeps, its next call is a new span.
      bus.subscribe(JobExecutorEventTypes.JOB_WAITING, ({ job }) => {
        const open = this.#end(job.id, 'waiting');
        if (open)
          duration.record(this.#clock.now() - open.startedAt, {
            'seriatim.outcome': 'waiting',
            'seriatim.document.type': open.type,
          });
      }),
      bus.subscribe(JobExecutorEventTypes.EXECUTOR_STOPPED, () => this.#endAll('stopped')),
    ];
  }

  /** Runs `enqueue` inside a `seriatim.enqueue` span and remembers it for the job's attempts. */
  async traceEnqueue(input: JobInput, enqueue: () => Promise<Job>): Promise<Job> {
    const api = this.#api;
    const span = this.#tracer.startSpan(
      'seriatim.enqueue',
      {
        kind: api.SpanKind.PRODUCER,
        startTime: this.#clock.now(),
        attributes: {
          'messaging.system': 'seriatim',
          'messaging.operation.type': 'send',
          ...laneAttributes(input),
        },
      },
      api.context.active(),
    );
    try {
      const job = await enqueue();
      span.setAttribute('seriatim.job.id', job.id);
      this.#enqueued.set(job.id, span.spanContext());
      if (this.#enqueued.size > MAX_REMEMBERED) {
        this.#enqueued.delete(this.#enqueued.keys().next().value as string);
      }
      return job;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end(this.#clock.now());
    }
  }

  /** Ends the open spans and stops observing. */
  dispose(): void {
    for (const off of this.#unsubscribe) off();
    this.#endAll('stopped');
    this.#disposeMetrics();
  }

  #startAttempt(job: Job, attempt: number): Otel.Span {
    const api = this.#api;
    const enqueue = this.#enqueued.get(job.id);
    const parent = enqueue ? api.trace.setSpanContext(api.ROOT_CONTEXT, enqueue) : api.ROOT_CONTEXT;
    return this.#tracer.startSpan(
      'seriatim.attempt',
      {
        kind: api.SpanKind.CONSUMER,
        startTime: this.#clock.now(),
        links: enqueue ? [{ context: enqueue }] : [],
        attributes: {
          'messaging.system': 'seriatim',
          'messaging.operation.type': 'process',
          'seriatim.job.id': job.id,
          'seriatim.attempt': attempt,
          'seriatim.document.type': this.#documentType(job),
          ...laneAttributes(job),
        },
      },
      parent,
    );
  }

  #end(jobId: string, outcome: string, error?: JobError): OpenAttempt | undefined {
    const open = this.#attempts.get(jobId);
    if (!open) return undefined;
    this.#attempts.delete(jobId);
    open.span.setAttribute('seriatim.outcome', outcome);
    if (error) {
      open.span.setAttributes({
        'seriatim.error.code': error.code,
        'seriatim.error.name': errorCodeName(error.code),
      });
      open.span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: error.message });
    }
    open.span.end(this.#clock.now());
    return open;
  }

  #endAll(outcome: string): void {
    for (const jobId of [...this.#attempts.keys()]) this.#end(jobId, outcome);
  }
}

/** The job's document, branch, scopes and lanes as attributes. */
function laneAttributes(
  job: Pick<JobInput, 'documentId' | 'scopes' | 'branch'> & { handler?: unknown; keys?: unknown },
): Otel.Attributes {
  // A handler job names its handler and keys, not a document (README: Handler jobs).
  if (typeof job.handler === 'string') {
    const keys = Array.isArray(job.keys) ? job.keys.map(String) : [];
    return { 'seriatim.handler': job.handler, 'seriatim.keys': keys };
  }
  const branch = job.branch ?? 'main';
  const scopes = Array.isArray(job.scopes) ? job.scopes.map(String) : [];
  return {
    'seriatim.document.id': String(job.documentId),
    'seriatim.branch': String(branch),
    'seriatim.scopes': scopes,
    // The lanes' keys as everywhere else: the JSON array [documentId, scope, branch].
    'seriatim.lanes': scopes.map((scope) => laneKey(String(job.documentId), scope, String(branch))),
  };
}
