/**
 * `createReactor`: one call that wires storage, bus, document executor and manager.
 * @module
 */
import type { InspectionEvent, Observer } from 'xstate';
import { JobExecutorManager, type LaneFailurePolicy } from './actors/job-executor-manager.js';
import { guardBus } from './adapters/guarded-bus.js';
import { MemoryEventBus } from './adapters/memory/memory-event-bus.js';
import { MemoryScheduleStore } from './adapters/memory/memory-schedule-store.js';
import { createMemoryStorage } from './adapters/memory/memory-storage.js';
import type {
  IAuthorizer,
  IEventBus,
  IScheduleStore,
  ISyncSource,
  Storage,
  StorageContext,
} from './adapters/ports.js';
import { checkRuntimeOptions } from './check-runtime-options.js';
import { type Clock, systemClock } from './clock.js';
import { createDocumentJob } from './document/create-action.js';
import { DocumentJobExecutor } from './document/document-job-executor.js';
import { type DocumentModel, ModelRegistry } from './document/document-model.js';
import type { SignatureVerifier } from './document/signature.js';
import { ConfigError, JobValidationError } from './errors.js';
import { EventTypes } from './events.js';
import { HandlerJobExecutor } from './handlers/handler-job-executor.js';
import { HandlerRegistry } from './handlers/handler-registry.js';
import { JobExecutorDispatcher } from './handlers/job-executor-dispatcher.js';
import { Metrics } from './metrics/metrics.js';
import {
  describe,
  type ExecutorOptions,
  isOptionsObject,
  resolveOptions,
  unknownOption,
} from './options.js';
import { buildReactor, type Reactor } from './reactor.js';
import { Scheduler } from './scheduler/scheduler.js';
import type { TelemetryOptions } from './telemetry/telemetry-options.js';

export type { Reactor, StopOptions } from './reactor.js';

/**
 * Where jobs and operations live: `'memory'` (default), `{ sqlite: path }` (embedded, durable),
 * `{ postgres: connectionString }` (many processes), or a `Storage` / factory of your own.
 */
export type StorageOption =
  | 'memory'
  | { sqlite: string }
  | { postgres: string }
  | Storage
  | ((ctx: StorageContext) => Storage | Promise<Storage>);

export type ReactorOptions = {
  /** The document models jobs may create and change. */
  models: DocumentModel[];
  /** @default 'memory' */
  storage?: StorageOption;
  /** Executor options (see the configuration table). */
  config?: ExecutorOptions;
  /** @default systemClock */
  clock?: Clock;
  /** Receives every actor's inspection events (Stately inspector, recorder). @default off */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Asked once per action; denying fails the job with UNAUTHORIZED. */
  authorizer?: IAuthorizer;
  /**
   * Checks action signatures (e.g. `powerhouseVerifier()` of `seriatim/powerhouse`).
   * @default ed25519Verifier
   */
  verifier?: SignatureVerifier;
  /** Source of missing history for the fatal path (HASH_MISMATCH, REBASE_FAILED). */
  sync?: ISyncSource;
  /** @default 'continue' */
  laneFailurePolicy?: LaneFailurePolicy;
  /** @default a fresh MemoryEventBus */
  bus?: IEventBus;
  /** Uniform random numbers in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /** Identifies this process's claims. @default random */
  runnerId?: string;
  /** Errors not attributable to a job. @default console.error */
  onError?: (error: unknown) => void;
  /**
   * Where recurring schedules live. @default the storage's `scheduleStore` when it has one, else
   * a new MemoryScheduleStore
   */
  scheduleStore?: IScheduleStore;
  /**
   * OpenTelemetry spans and metrics through `@opentelemetry/api` (an optional peer dependency):
   * `true` for the global providers, or `{ tracerProvider, meterProvider }`. @default off
   */
  telemetry?: boolean | TelemetryOptions;
};

/**
 * Creates a reactor: queue, operation store, bus, document executor and job executor manager.
 * @throws ConfigError naming a wrong-typed or unknown option (`models`, `config.*`, `clock`,
 * `laneFailurePolicy`, `random`, `runnerId`, `onError`), before any storage is opened.
 *
 * @example
 * const reactor = await createReactor({ models: [counterModel] });
 * await reactor.start({ maxConcurrency: 8 });
 * await reactor.createDocument({ documentId: 'doc-1', documentType: counterModel.documentType });
 * const job = await reactor.submit({ documentId: 'doc-1', scopes: ['global'],
 *   actions: [counterActions.increment(2)] });
 * console.log(await reactor.watch(job.id));
 * await reactor.close();
 */
export async function createReactor(options: ReactorOptions): Promise<Reactor> {
  checkReactorOptions(options);
  const config = resolveOptions(options.config ?? {});
  // Before any storage is opened, so a missing @opentelemetry/api leaves nothing open.
  const Telemetry = options.telemetry ? await loadTelemetry() : undefined;
  const models = new ModelRegistry(options.models);
  const clock = options.clock ?? systemClock;
  const reportError = options.onError ?? ((error: unknown) => console.error('[seriatim]', error));
  // A listener that throws, or a custom bus that does, reaches `onError` and undoes no write.
  const bus = options.bus
    ? guardBus(options.bus, reportError)
    : new MemoryEventBus({ onHandlerError: (error) => reportError(error) });
  const runnerId = options.runnerId ?? `runner-${crypto.randomUUID().slice(0, 8)}`;
  // The storage's background errors and its reaper's retry limit follow the reactor's.
  const storage = await openStorage(options.storage ?? 'memory', {
    bus,
    clock,
    runnerId,
    maxRetries: config.maxRetries,
    onError: options.onError,
  });
  const executor = new DocumentJobExecutor({
    store: storage.store,
    models,
    authorizer: options.authorizer,
    verifier: options.verifier,
    now: () => clock.now(),
  });
  const sync = options.sync;
  const handlers = new HandlerRegistry();
  const manager = new JobExecutorManager({
    queue: storage.queue,
    executor: new JobExecutorDispatcher(
      executor,
      new HandlerJobExecutor({
        handlers,
        queue: storage.queue,
        now: () => clock.now(),
        onProgress: (event) => bus.publish(EventTypes.JOB_PROGRESS, event),
      }),
    ),
    bus,
    clock,
    config,
    inspect: options.inspect,
    random: options.random,
    runnerId,
    laneFailurePolicy: options.laneFailurePolicy,
    resync: sync ? (job) => executor.syncFrom(sync, job) : undefined,
    onError: options.onError,
  });
  const scheduler = new Scheduler({
    queue: storage.queue,
    store: options.scheduleStore ?? storage.scheduleStore ?? new MemoryScheduleStore(),
    clock,
    onError: options.onError,
    onJobCancelled: (jobId) =>
      manager.cancelWatchers(jobId, new Error(`Job ${jobId} was cancelled`)),
  });
  const metrics = new Metrics({ bus, queue: storage.queue });
  const telemetry = Telemetry
    ? new Telemetry({
        options: options.telemetry as true | TelemetryOptions,
        bus,
        queue: storage.queue,
        clock,
        documentType: (job) => metrics.documentTypeOf(job),
        running: async () => (await manager.getStatus()).activeJobs,
        residentLanes: () => manager.residentLanes,
      })
    : undefined;

  return buildReactor({
    manager,
    queue: storage.queue,
    store: storage.store,
    bus,
    executor,
    models,
    handlers,
    scheduler,
    metrics,
    storage,
    clock,
    onError: reportError,
    telemetry,
    documentJob({ documentId, documentType, branch }) {
      const model = models.get(documentType);
      if (!model) {
        throw new JobValidationError(
          'documentType',
          `no model of type ${JSON.stringify(documentType)} is registered; registered: ${models.documentTypes().join(', ') || 'none'}`,
        );
      }
      return createDocumentJob({ documentId, documentType, scopes: model.scopes, branch, clock });
    },
  });
}

/** Rejects a wrong-typed option, naming it and the value received, before anything is opened. */
function checkReactorOptions(options: ReactorOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('options', `expected { models, … }, got ${describe(options)}`);
  }
  const { models } = options;
  if (!Array.isArray(models)) {
    throw new ConfigError(
      'models',
      `expected \`models\` to be an array of document models, got ${describe(models)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!REACTOR_OPTIONS.includes(key as keyof ReactorOptions)) {
      throw unknownOption(key, REACTOR_OPTIONS);
    }
  }
  const { verifier } = options;
  if (verifier !== undefined && typeof (verifier as SignatureVerifier)?.verify !== 'function') {
    throw new ConfigError(
      'verifier',
      `expected \`verifier\` to be { verify(action, target) }, got ${describe(verifier)}`,
    );
  }
  checkRuntimeOptions(options);
  checkTelemetryOption(options.telemetry);
}

function checkTelemetryOption(telemetry: unknown): void {
  if (telemetry === undefined || typeof telemetry === 'boolean') return;
  const expected =
    'expected `telemetry` to be a boolean or { tracerProvider?, meterProvider? } (OpenTelemetry providers)';
  if (!isOptionsObject(telemetry)) {
    throw new ConfigError('telemetry', `${expected}, got ${describe(telemetry)}`);
  }
  for (const [key, method] of [
    ['tracerProvider', 'getTracer'],
    ['meterProvider', 'getMeter'],
  ] as const) {
    const provider = telemetry[key] as Record<string, unknown> | undefined;
    if (provider !== undefined && typeof provider?.[method] !== 'function') {
      throw new ConfigError(
        `telemetry.${key}`,
        `expected \`${key}\` to have a ${method}() method, got ${describe(provider)}`,
      );
    }
  }
  for (const key of Object.keys(telemetry)) {
    if (key !== 'tracerProvider' && key !== 'meterProvider') {
      throw unknownOption(key, ['tracerProvider', 'meterProvider'], 'telemetry');
    }
  }
}

/** Loaded on demand, so `@opentelemetry/api` is needed only with `telemetry`. */
async function loadTelemetry() {
  const { ReactorTelemetry, loadOtelApi } = await import('./telemetry/reactor-telemetry.js');
  loadOtelApi();
  return ReactorTelemetry;
}

/** Every key of `ReactorOptions`: another key is a typo, rejected rather than ignored. */
const REACTOR_OPTIONS = Object.freeze([
  'models',
  'storage',
  'config',
  'clock',
  'inspect',
  'authorizer',
  'verifier',
  'sync',
  'laneFailurePolicy',
  'bus',
  'random',
  'runnerId',
  'onError',
  'scheduleStore',
  'telemetry',
] as const) satisfies readonly (keyof ReactorOptions)[];
// Fails to compile when an option is added to `ReactorOptions` but not to the list above.
const everyOptionListed: [Exclude<keyof ReactorOptions, (typeof REACTOR_OPTIONS)[number]>] extends [
  never,
]
  ? true
  : never = true;
void everyOptionListed;

async function openStorage(option: StorageOption, ctx: StorageContext): Promise<Storage> {
  if (option === 'memory') return createMemoryStorage(ctx);
  if (typeof option === 'function') return option(ctx);
  if (typeof option === 'object' && option !== null) {
    if ('queue' in option && 'store' in option) return option;
    if ('sqlite' in option && typeof option.sqlite === 'string') {
      // Loaded on demand so memory-only users never load the native module.
      const { createSqliteStorage } = await import('./adapters/sqlite/index.js');
      return createSqliteStorage(option.sqlite, ctx);
    }
    if ('postgres' in option && typeof option.postgres === 'string') {
      const { connectPostgresStorage } = await import('./adapters/postgres/index.js');
      return connectPostgresStorage(option.postgres, ctx);
    }
  }
  throw new ConfigError(
    'storage',
    "expected 'memory', { sqlite: path }, { postgres: connectionString } or a Storage object",
  );
}
