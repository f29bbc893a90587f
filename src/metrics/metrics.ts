/**
 * `Metrics`: job counts and processing time, in total and by document type (README:
 * Scheduler and metrics).
 * @module
 */
import type { IEventBus, IQueue, QueuedJob } from '../adapters/ports.js';
import { CREATE_DOCUMENT } from '../document/create-action.js';
import { JobExecutorEventTypes, QueueEventTypes } from '../events.js';
import { type Job, JobStatus } from '../types.js';

/** Job counts and the mean processing time (README: Scheduler and metrics). */
export type JobStats = {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  /** Mean duration of the last attempt of the jobs finished in this process, in ms (0: none). */
  avgProcessingTime: number;
};

/** The type under which jobs whose document type is not known are counted. */
export const UNKNOWN_DOCUMENT_TYPE = 'unknown';

/** Options of {@link Metrics}. */
export type MetricsOptions = {
  /** Where `jobAvailable`, `jobStarted`, `jobCompleted` and `jobFailed` are published. */
  bus: IEventBus;
  /** The queue whose counts are the totals. */
  queue: IQueue;
  /** Unfinished jobs followed for their type; past this the oldest go to `unknown`. @default 100000 */
  maxTrackedJobs?: number;
  /** Documents whose type is remembered; past this the oldest are forgotten. @default 100000 */
  maxDocuments?: number;
};

/** Finished jobs of one type, as seen in this process. */
type Finished = { completed: number; failed: number; totalDuration: number };

/** An unfinished job seen on the bus: its document, and when its latest attempt started. */
type Tracked = { documentId: string };

/**
 * Counts jobs by status, in total and per document type.
 *
 * Totals come from the queue (`counts()`), so they agree with `manager.getStats().queueBacklog`
 * and with every process sharing the queue. Per type: pending and running jobs are the unfinished
 * jobs this process saw on the bus (enqueued, released, started), looked up in the queue when asked;
 * completed and failed ones are counted from `jobCompleted` / `jobFailed` as they happen. A job's
 * type is the `documentType` of its `CREATE_DOCUMENT` action, else the one the document executor
 * reported for its document (`result.metadata.documentType`, remembered by document id); a
 * handler job's is `handler:<its handler type>`; jobs of
 * no known type — and the part of each total this process did not see (other processes, jobs
 * enqueued in batches, jobs finished before it started) — count under `'unknown'`, so the types
 * add up to the totals.
 *
 * @example
 * const metrics = new Metrics({ bus, queue });
 * console.log(await metrics.getStats());        // { pending, running, completed, failed, avgProcessingTime }
 * console.log(await metrics.getStatsByType());  // { 'seriatim/counter': { … }, unknown: { … } }
 */
export class Metrics {
  readonly #queue: IQueue;
  readonly #maxTracked: number;
  readonly #maxDocuments: number;
  readonly #unsubscribe: (() => void)[];

  /** Unfinished jobs seen, by id, oldest first. */
  readonly #tracked = new Map<string, Tracked>();
  /** Document type by document id, oldest first. */
  readonly #types = new Map<string, string>();
  readonly #finished = new Map<string, Finished>();
  #totalDuration = 0;
  #finishedCount = 0;

  constructor(options: MetricsOptions) {
    this.#queue = options.queue;
    this.#maxTracked = options.maxTrackedJobs ?? 100_000;
    this.#maxDocuments = options.maxDocuments ?? 100_000;
    const { bus } = options;
    this.#unsubscribe = [
      bus.subscribe(QueueEventTypes.JOB_AVAILABLE, ({ jobId, documentId }) => {
        if (jobId !== undefined && documentId !== undefined) this.#track(jobId, documentId);
      }),
      bus.subscribe(JobExecutorEventTypes.JOB_STARTED, ({ job }) => {
        this.#learnFromJob(job);
        this.#track(job.id, job.documentId);
      }),
      bus.subscribe(JobExecutorEventTypes.JOB_COMPLETED, ({ job, result }) => {
        const reported = result.metadata?.documentType;
        if (typeof reported === 'string') this.#remember(job.documentId, reported);
        this.#finish(job, true, result.duration);
      }),
      bus.subscribe(JobExecutorEventTypes.JOB_FAILED, ({ job, result }) => {
        const reported = result.metadata?.documentType;
        if (typeof reported === 'string') this.#remember(job.documentId, reported);
        this.#finish(job, false, result.duration);
      }),
    ];
  }

  /** Totals: counts from the queue, mean processing time of the jobs finished in this process. */
  async getStats(): Promise<JobStats> {
    const counts = await this.#queue.counts();
    return {
      ...counts,
      avgProcessingTime: this.#finishedCount === 0 ? 0 : this.#totalDuration / this.#finishedCount,
    };
  }

  /**
   * The same per document type. Looks up each unfinished job this process follows in the queue
   * (one `queue.get` each), so it costs O(backlog seen here).
   */
  async getStatsByType(): Promise<Record<string, JobStats>> {
    const counts = await this.#queue.counts();
    const byType = new Map<string, JobStats & { totalDuration: number }>();
    const bucket = (type: string) => {
      let stats = byType.get(type);
      if (stats === undefined) {
        stats = {
          pending: 0,
          running: 0,
          completed: 0,
          failed: 0,
          avgProcessingTime: 0,
          totalDuration: 0,
        };
        byType.set(type, stats);
      }
      return stats;
    };
    let pending = 0;
    let running = 0;
    for (const [jobId] of [...this.#tracked]) {
      const job = await this.#queue.get(jobId);
      if (job === undefined || isFinished(job)) {
        // Finished elsewhere, cancelled, or no longer retained; its own event counts it if local.
        this.#tracked.delete(jobId);
        continue;
      }
      this.#learnFromJob(job);
      if (job.status === JobStatus.PENDING) {
        bucket(this.#typeOf(job)).pending++;
        pending++;
      } else {
        bucket(this.#typeOf(job)).running++;
        running++;
      }
    }
    let completed = 0;
    let failed = 0;
    for (const [type, finished] of this.#finished) {
      const stats = bucket(type);
      stats.completed += finished.completed;
      stats.failed += finished.failed;
      stats.totalDuration += finished.totalDuration;
      completed += finished.completed;
      failed += finished.failed;
    }
    const rest = {
      pending: counts.pending - pending,
      running: counts.running - running,
      completed: counts.completed - completed,
      failed: counts.failed - failed,
    };
    if (rest.pending > 0 || rest.running > 0 || rest.completed > 0 || rest.failed > 0) {
      const unknown = bucket(UNKNOWN_DOCUMENT_TYPE);
      unknown.pending += Math.max(0, rest.pending);
      unknown.running += Math.max(0, rest.running);
      unknown.completed += Math.max(0, rest.completed);
      unknown.failed += Math.max(0, rest.failed);
    }
    const result: Record<string, JobStats> = {};
    for (const [type, { totalDuration, ...stats }] of [...byType].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const finished = this.#finished.get(type);
      const n = finished === undefined ? 0 : finished.completed + finished.failed;
      result[type] = { ...stats, avgProcessingTime: n === 0 ? 0 : totalDuration / n };
    }
    return result;
  }

  /** The document type this process knows for a document, if any. */
  documentType(documentId: string): string | undefined {
    return this.#types.get(documentId);
  }

  /** Stops listening to the bus. */
  dispose(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe.length = 0;
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  #track(jobId: string, documentId: string): Tracked {
    let tracked = this.#tracked.get(jobId);
    if (tracked === undefined) {
      tracked = { documentId };
      this.#tracked.set(jobId, tracked);
      if (this.#tracked.size > this.#maxTracked) {
        this.#tracked.delete(this.#tracked.keys().next().value as string);
      }
    }
    return tracked;
  }

  #finish(job: Job, success: boolean, duration: number): void {
    this.#learnFromJob(job);
    this.#tracked.delete(job.id);
    const type = this.#typeOf(job);
    let finished = this.#finished.get(type);
    if (finished === undefined) {
      finished = { completed: 0, failed: 0, totalDuration: 0 };
      this.#finished.set(type, finished);
    }
    if (success) finished.completed++;
    else finished.failed++;
    finished.totalDuration += duration;
    this.#totalDuration += duration;
    this.#finishedCount++;
  }

  /** The document type of `job` as far as this process knows, else `'unknown'`. */
  documentTypeOf(job: Job): string {
    return this.#typeOf(job);
  }

  /** Remembers the type a `CREATE_DOCUMENT` job names for its document. */
  #learnFromJob(job: Job): void {
    const created = createdType(job);
    if (created !== undefined) this.#remember(job.documentId, created);
  }

  #remember(documentId: string, type: string): void {
    if (this.#types.get(documentId) === type) return;
    this.#types.delete(documentId);
    this.#types.set(documentId, type);
    if (this.#types.size > this.#maxDocuments) {
      this.#types.delete(this.#types.keys().next().value as string);
    }
  }

  #typeOf(job: Job): string {
    if (job.handler !== undefined) return handlerStatsType(job.handler);
    return createdType(job) ?? this.#types.get(job.documentId) ?? UNKNOWN_DOCUMENT_TYPE;
  }
}

/**
 * The `getStatsByType` key of handler jobs of `type`: `handler:<type>`, so a handler type never
 * shares a bucket with a document type of the same name (README: Handler jobs).
 */
export function handlerStatsType(type: string): string {
  return `handler:${type}`;
}

/** The `documentType` of a job's `CREATE_DOCUMENT` action, if it has one. */
function createdType(job: Job): string | undefined {
  for (const action of job.actions) {
    if (action.type !== CREATE_DOCUMENT) continue;
    const type = (action.input as { documentType?: unknown } | null)?.documentType;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

function isFinished(job: QueuedJob): boolean {
  return job.status === JobStatus.COMPLETED || job.status === JobStatus.FAILED;
}
