/**
 * `Reactor`: the one object a user holds. It submits and watches jobs, subscribes to events,
 * starts, pauses and stops the executor, and refuses every call once closed. The parts it is
 * made of stay reachable (`manager`, `queue`, …) for advanced use.
 * @module
 */
import { setMaxListeners } from 'node:events';
import type {
  ExecutorStats,
  ExecutorStatus,
  JobExecutorManager,
} from './actors/job-executor-manager.js';
import type { BlockedLane, IEventBus, IOperationStore, IQueue, Storage } from './adapters/ports.js';
import type { Clock } from './clock.js';
import type { DocumentJobExecutor } from './document/document-job-executor.js';
import type { ModelRegistry } from './document/document-model.js';
import { JobValidationError, ReactorClosedError } from './errors.js';
import { type ReactorEventHandler, type ReactorEventName, ReactorEventNames } from './events.js';
import type { Handler, HandlerRegistry } from './handlers/handler-registry.js';
import type { Metrics } from './metrics/metrics.js';
import type { ExecutorOptions } from './options.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { type StopOptions, stopOptions } from './stop-options.js';
import type { HandlerJobInput, Job, JobInput, JobResult } from './types.js';

export type { StopOptions } from './stop-options.js';

/** What `createReactor` resolves to. README, Quick start (library). */
export type Reactor = {
  /**
   * Validates and enqueues a job, a document job or a handler job ({@link HandlerJobInput});
   * never waits for its execution. A handler job whose type this reactor has not registered is
   * rejected (`JobValidationError` on `handler`).
   */
  submit(input: JobInput | HandlerJobInput): Promise<Job>;
  /**
   * Registers the handler of handler jobs of `type` (README: Handler jobs); a second call with
   * the same type replaces it. Every process that runs jobs registers the same handlers.
   * @example
   * reactor.registerHandler('email', async ({ to }, { signal }) => {
   *   const res = await fetch(`https://mail.example/send?to=${to}`, { signal });
   *   return { status: res.status };
   * });
   */
  registerHandler(type: string, handler: Handler): void;
  /** {@link Reactor.registerHandler} for each entry of `handlers`. */
  registerHandlers(handlers: Record<string, Handler>): void;
  /** Submits the `CREATE_DOCUMENT` job of a new document of a registered model. */
  createDocument(input: {
    documentId: string;
    documentType: string;
    branch?: string;
  }): Promise<Job>;
  /**
   * Resolves with the job's result when it finishes (at once if it has). Rejects for an unknown
   * id, with the signal's reason when `signal` aborts, when the job is cancelled, and with a
   * `ReactorClosedError` when the reactor is closed first.
   */
  watch(jobId: string, signal?: AbortSignal): Promise<JobResult>;
  /** Takes a pending or delayed job (or a recurring schedule) out; false when nothing was. */
  cancel(jobId: string): Promise<boolean>;
  /** The current state of one lane of a document. */
  getState(documentId: string, scope: string, branch?: string): Promise<unknown>;

  /** Subscribes to an event of this process; returns the unsubscribe function. */
  on<N extends ReactorEventName>(event: N, handler: ReactorEventHandler<N>): () => void;
  /** Like `on`, for the next event only. */
  once<N extends ReactorEventName>(event: N, handler: ReactorEventHandler<N>): () => void;
  /** Removes a handler given to `on` or `once` (each registration of it). */
  off<N extends ReactorEventName>(event: N, handler: ReactorEventHandler<N>): void;

  /** Starts the storage's background work, the executor and the scheduler. */
  start(config?: ExecutorOptions): Promise<void>;
  /** No new attempt starts; running attempts finish. */
  pause(): Promise<void>;
  /** Lets attempts start again. */
  resume(): Promise<void>;
  /**
   * Stops the scheduler, then the executor: gracefully by default (running attempts finish),
   * aborting the attempts still running after `timeout` ms. `stop(false)` aborts at once.
   */
  stop(options?: StopOptions | boolean): Promise<void>;
  /** Stops everything and closes the storage; every later call rejects (`ReactorClosedError`). */
  close(): Promise<void>;

  /** Whether running, paused, slots in use, totals. */
  getStatus(): Promise<ExecutorStatus>;
  /** Average execution time, success rate, jobs per second, backlog. */
  getStats(): Promise<ExecutorStats>;
  /** Lanes blocked by a job that failed under the `halt` lane failure policy. */
  getBlockedLanes(): Promise<BlockedLane[]>;
  /** Runs a halted job again, in its place. */
  retryJob(jobId: string): Promise<void>;
  /** Lets a halted job's lanes continue without it. */
  skipJob(jobId: string): Promise<void>;

  // ─── Parts, for advanced use ──────────────────────────────────────────────────────────────
  /** The executor runtime. @advanced */
  manager: JobExecutorManager;
  /** @advanced */
  queue: IQueue;
  /** @advanced */
  store: IOperationStore;
  /** This process's event bus. @advanced */
  bus: IEventBus;
  /** @advanced */
  executor: DocumentJobExecutor;
  /** @advanced */
  models: ModelRegistry;
  /** Durable storage only: returns stalled claims of dead runners to pending. */
  reaper: Storage['reaper'];
  /** Delayed and recurring jobs; started and stopped with the reactor. */
  scheduler: Scheduler;
  /** Job counts and processing time, in total and by document type. */
  metrics: Metrics;
};

/** The parts `createReactor` wires together. */
export type ReactorParts = Pick<
  Reactor,
  'manager' | 'queue' | 'store' | 'bus' | 'executor' | 'models' | 'scheduler' | 'metrics'
> & {
  handlers: HandlerRegistry;
  storage: Storage;
  clock: Clock;
  onError: (error: unknown) => void;
  /** The `CREATE_DOCUMENT` job of `createDocument`. @throws JobValidationError */
  documentJob(input: Parameters<Reactor['createDocument']>[0]): JobInput;
  /** Spans and metrics, when `telemetry` is on. */
  telemetry?: {
    traceEnqueue(input: JobInput, enqueue: () => Promise<Job>): Promise<Job>;
    dispose(): void;
  };
};

/** Builds the reactor's face over its parts. */
export function buildReactor(parts: ReactorParts): Reactor {
  const { manager, queue, bus, executor, scheduler, metrics, storage, clock, telemetry } = parts;
  const enqueue = (input: JobInput): Promise<Job> =>
    telemetry ? telemetry.traceEnqueue(input, () => queue.enqueue(input)) : queue.enqueue(input);
  let storageStarted = false;
  let closed = false;
  // Aborted by close(): rejects the watches still waiting. Each waiting watch listens to it (and
  // stops when it settles), so any number of listeners is expected: no MaxListenersExceededWarning.
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal);
  const handlers = new Map<string, Map<(payload: never) => void, Set<() => void>>>();

  const open = (method: string): void => {
    if (closed) throw new ReactorClosedError(method);
  };
  /** An async method that rejects once closed. */
  const guarded =
    <A extends unknown[], R>(method: string, run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      open(method);
      return run(...args);
    };

  const subscribe = <N extends ReactorEventName>(
    event: N,
    handler: ReactorEventHandler<N>,
    once: boolean,
  ): (() => void) => {
    const code = ReactorEventNames[event];
    if (code === undefined || !Object.hasOwn(ReactorEventNames, event)) {
      throw new TypeError(
        `Unknown event ${JSON.stringify(event)}; expected one of ${Object.keys(ReactorEventNames).join(', ')}`,
      );
    }
    if (typeof handler !== 'function') {
      throw new TypeError(
        `Expected the handler of ${event} to be a function, got ${typeof handler}`,
      );
    }
    const byHandler = handlers.get(event) ?? new Map();
    handlers.set(event, byHandler);
    const registrations: Set<() => void> = byHandler.get(handler) ?? new Set();
    byHandler.set(handler, registrations);
    let active = true;
    const unsubscribeBus = bus.subscribe(code, (payload: unknown) => {
      if (!active) return;
      if (once) unsubscribe();
      (handler as (payload: unknown) => void)(payload);
    });
    const unsubscribe = () => {
      if (!active) return;
      active = false;
      unsubscribeBus();
      registrations.delete(unsubscribe);
      if (registrations.size === 0) byHandler.delete(handler);
    };
    registrations.add(unsubscribe);
    return unsubscribe;
  };

  return {
    manager,
    queue,
    store: parts.store,
    bus,
    executor,
    models: parts.models,
    reaper: storage.reaper,
    scheduler,
    metrics,
    submit: guarded('submit', async (input: JobInput | HandlerJobInput) => {
      checkHandlerKnown(parts.handlers, input);
      return enqueue(input as JobInput);
    }),
    registerHandler(type, handler) {
      open('registerHandler');
      parts.handlers.register(type, handler);
    },
    registerHandlers(handlers) {
      open('registerHandlers');
      if (handlers === null || typeof handlers !== 'object') {
        throw new TypeError(
          `Expected registerHandlers to receive an object of handlers by type, got ${handlers === null ? 'null' : typeof handlers}`,
        );
      }
      for (const [type, handler] of Object.entries(handlers))
        parts.handlers.register(type, handler);
    },
    createDocument: guarded(
      'createDocument',
      async (input: Parameters<Reactor['createDocument']>[0]) => enqueue(parts.documentJob(input)),
    ),
    watch: guarded('watch', (jobId: string, signal?: AbortSignal) =>
      manager.watch(jobId, signal ? AbortSignal.any([signal, lifetime.signal]) : lifetime.signal),
    ),
    cancel: guarded('cancel', (jobId: string) => scheduler.cancel(jobId)),
    getState: guarded('getState', (documentId: string, scope: string, branch = 'main') =>
      executor.getState(documentId, scope, branch),
    ),
    on(event, handler) {
      open('on');
      return subscribe(event, handler, false);
    },
    once(event, handler) {
      open('once');
      return subscribe(event, handler, true);
    },
    off(event, handler) {
      open('off');
      const registrations = handlers.get(event)?.get(handler);
      for (const unsubscribe of [...(registrations ?? [])]) unsubscribe();
    },
    start: guarded('start', async (config?: ExecutorOptions) => {
      if (!storageStarted) {
        storageStarted = true;
        await storage.start?.();
      }
      await manager.start(config);
      await scheduler.start();
    }),
    pause: guarded('pause', () => manager.pause()),
    resume: guarded('resume', () => manager.resume()),
    stop: guarded('stop', async (options?: StopOptions | boolean) => {
      const { graceful, timeout } = stopOptions(options);
      await scheduler.stop();
      if (!graceful || timeout === undefined) return manager.stop(graceful);
      // pg-boss's shape: wait for running attempts up to the deadline, then abort them.
      const deadline = clock.setTimeout(() => {
        manager.stop(false).catch(parts.onError);
      }, timeout);
      try {
        await manager.stop(true);
      } finally {
        clock.clearTimeout(deadline);
      }
    }),
    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort(new ReactorClosedError('watch', true));
      await scheduler.stop();
      await manager.stop(true);
      manager.dispose();
      metrics.dispose();
      telemetry?.dispose();
      await storage.close();
    },
    getStatus: guarded('getStatus', () => manager.getStatus()),
    getStats: guarded('getStats', () => manager.getStats()),
    getBlockedLanes: guarded('getBlockedLanes', () => manager.getBlockedLanes()),
    retryJob: guarded('retryJob', (jobId: string) => manager.retryJob(jobId)),
    skipJob: guarded('skipJob', (jobId: string) => manager.skipJob(jobId)),
  };
}

/**
 * `submit` of a handler job of a type this reactor lacks: rejected before anything is stored
 * (a bad `handler` value is left to the queue's validation, which names it).
 */
function checkHandlerKnown(handlers: HandlerRegistry, input: unknown): void {
  if (input === null || typeof input !== 'object' || !Object.hasOwn(input, 'handler')) return;
  const type = Object.getOwnPropertyDescriptor(input, 'handler')?.value;
  if (typeof type !== 'string' || type.length === 0 || handlers.has(type)) return;
  const known = handlers.types();
  throw new JobValidationError(
    'handler',
    `no handler is registered for type ${JSON.stringify(type)}; register it first with reactor.registerHandler(${JSON.stringify(type)}, handler)${known.length > 0 ? ` (registered: ${known.map((t) => JSON.stringify(t)).join(', ')})` : ''}`,
  );
}
