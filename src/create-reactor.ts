/**
 * `createReactor`: one call that wires storage, bus, document executor and manager.
 * @module
 */
import type { InspectionEvent, Observer } from 'xstate';
import { JobExecutorManager, type LaneFailurePolicy } from './actors/job-executor-manager.js';
import { Metrics } from './actors/metrics.js';
import { Scheduler } from './actors/scheduler.js';
import { MemoryEventBus } from './adapters/memory/memory-event-bus.js';
import { MemoryOperationStore } from './adapters/memory/memory-operation-store.js';
import { MemoryQueue } from './adapters/memory/memory-queue.js';
import { MemoryScheduleStore } from './adapters/memory/memory-schedule-store.js';
import type {
  IAuthorizer,
  IEventBus,
  IOperationStore,
  IQueue,
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
import { JobValidationError } from './errors.js';
import { describe, type ExecutorOptions, resolveOptions } from './options.js';
import type { Job, JobInput } from './types.js';

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
};

export type Reactor = {
  manager: JobExecutorManager;
  queue: IQueue;
  store: IOperationStore;
  bus: IEventBus;
  executor: DocumentJobExecutor;
  models: ModelRegistry;
  /** Durable storage only: returns stalled claims of dead runners to pending. */
  reaper: Storage['reaper'];
  /** Delayed and recurring jobs; started and stopped with the reactor. */
  scheduler: Scheduler;
  /** Job counts and processing time, in total and by document type. */
  metrics: Metrics;
  /** Validates and enqueues a job; never waits for its execution. */
  submit(input: JobInput): Promise<Job>;
  /** Submits the `CREATE_DOCUMENT` job of a new document of a registered model. */
  createDocument(input: {
    documentId: string;
    documentType: string;
    branch?: string;
  }): Promise<Job>;
  /** The current state of one lane of a document. */
  getState(documentId: string, scope: string, branch?: string): Promise<unknown>;
  /** Starts the storage's background work, the manager and the scheduler. */
  start(config?: ExecutorOptions): Promise<void>;
  /** Stops the scheduler, then the manager (gracefully by default). */
  stop(graceful?: boolean): Promise<void>;
  /** Stops everything and closes the storage. */
  close(): Promise<void>;
};

/**
 * Creates a reactor: queue, operation store, bus, document executor and job executor manager.
 * @throws JobValidationError naming a wrong-typed option (`models`, `config.*`, `clock`,
 * `laneFailurePolicy`, `random`, `runnerId`, `onError`), before any storage is opened.
 *
 * @example
 * const reactor = await createReactor({ models: [counterModel] });
 * await reactor.start({ maxConcurrency: 8 });
 * await reactor.createDocument({ documentId: 'doc-1', documentType: counterModel.documentType });
 * const job = await reactor.submit({ documentId: 'doc-1', scopes: ['global'],
 *   actions: [counterActions.increment(2)] });
 * console.log(await reactor.manager.watch(job.id));
 * await reactor.close();
 */
export async function createReactor(options: ReactorOptions): Promise<Reactor> {
  checkReactorOptions(options);
  const config = resolveOptions(options.config ?? {});
  const models = new ModelRegistry(options.models);
  const clock = options.clock ?? systemClock;
  const bus = options.bus ?? new MemoryEventBus();
  const runnerId = options.runnerId ?? `runner-${crypto.randomUUID().slice(0, 8)}`;
  const storage = await openStorage(options.storage ?? 'memory', { bus, clock, runnerId });
  const executor = new DocumentJobExecutor({
    store: storage.store,
    models,
    authorizer: options.authorizer,
    verifier: options.verifier,
    now: () => clock.now(),
  });
  const sync = options.sync;
  const manager = new JobExecutorManager({
    queue: storage.queue,
    executor,
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
  let storageStarted = false;
  let closed = false;

  return {
    manager,
    queue: storage.queue,
    store: storage.store,
    bus,
    executor,
    models,
    reaper: storage.reaper,
    scheduler,
    metrics,
    submit: (input) => storage.queue.enqueue(input),
    async createDocument({ documentId, documentType, branch }) {
      const model = models.get(documentType);
      if (!model) {
        throw new JobValidationError(
          'documentType',
          `no model of type ${JSON.stringify(documentType)} is registered; registered: ${models.documentTypes().join(', ') || 'none'}`,
        );
      }
      return storage.queue.enqueue(
        createDocumentJob({ documentId, documentType, scopes: model.scopes, branch, clock }),
      );
    },
    getState: (documentId, scope, branch = 'main') => executor.getState(documentId, scope, branch),
    async start(startConfig) {
      if (closed) throw new Error('This reactor is closed; create a new one');
      if (!storageStarted) {
        storageStarted = true;
        await storage.start?.();
      }
      await manager.start(startConfig);
      await scheduler.start();
    },
    async stop(graceful = true) {
      await scheduler.stop();
      await manager.stop(graceful);
    },
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await manager.stop(true);
      manager.dispose();
      metrics.dispose();
      await storage.close();
    },
  };
}

/** Rejects a wrong-typed option, naming it and the value received, before anything is opened. */
function checkReactorOptions(options: ReactorOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new JobValidationError('options', `expected { models, … }, got ${describe(options)}`);
  }
  const { models } = options;
  if (!Array.isArray(models)) {
    throw new JobValidationError(
      'models',
      `expected \`models\` to be an array of document models, got ${describe(models)}`,
    );
  }
  const { verifier } = options;
  if (verifier !== undefined && typeof (verifier as SignatureVerifier)?.verify !== 'function') {
    throw new JobValidationError(
      'verifier',
      `expected \`verifier\` to be { verify(action, target) }, got ${describe(verifier)}`,
    );
  }
  checkRuntimeOptions(options);
}

async function openStorage(option: StorageOption, ctx: StorageContext): Promise<Storage> {
  if (option === 'memory') {
    const queue = new MemoryQueue({ bus: ctx.bus, clock: ctx.clock });
    const store = new MemoryOperationStore({ claims: queue }); // completes claims in append
    return { queue, store, close: async () => {} };
  }
  if (typeof option === 'function') return option(ctx);
  if (typeof option === 'object' && option !== null) {
    if ('queue' in option && 'store' in option) return option;
    if ('sqlite' in option && typeof option.sqlite === 'string') {
      // Loaded on demand so memory-only users never load the native module.
      const { createSqliteStorage } = await import('./adapters/sqlite/index.js');
      return createSqliteStorage(option.sqlite, ctx);
    }
    if ('postgres' in option && typeof option.postgres === 'string') {
      const { createPostgresStorage } = await import('./adapters/postgres/index.js');
      return createPostgresStorage(option.postgres, ctx);
    }
  }
  throw new JobValidationError(
    'storage',
    "expected 'memory', { sqlite: path }, { postgres: connectionString } or a Storage object",
  );
}
