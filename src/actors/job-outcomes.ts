/**
 * Records how a job ended: writes the outcome to the queue, then counts it, publishes
 * `jobCompleted` or `jobFailed` (+ `fatalError`) and settles its `watch`ers — in that order, so a
 * subscriber never hears of an outcome the queue has not stored.
 * @internal
 * @module
 */
import type { IQueue } from '../adapters/ports.js';
import type { Clock } from '../clock.js';
import { JobError, type JobErrorCode, StaleClaimError } from '../errors.js';
import { type EventPayloads, JobExecutorEventTypes } from '../events.js';
import type { LaneEmitted } from '../machines/lane-setup.js';
import type { Job, JobResult } from '../types.js';
import type { ExecutionStats } from './execution-stats.js';
import type { JobResults } from './job-results.js';

/** What happens to a lane after one of its jobs fails for good. */
export type LaneFailurePolicy = 'continue' | 'halt';

/** Publishes an event; never throws (see the manager's `publish`). */
export type Publish = <K extends keyof EventPayloads & number>(
  type: K,
  payload: EventPayloads[K],
) => void;

export type JobOutcomesOptions = {
  queue: IQueue;
  publish: Publish;
  clock: Clock;
  stats: ExecutionStats;
  results: JobResults;
  policy: LaneFailurePolicy;
  onError(error: unknown): void;
};

type Completed = Extract<LaneEmitted, { type: 'job.completed' }>;
type Failed = Extract<LaneEmitted, { type: 'job.failed' }>;

export class JobOutcomes {
  private lastIsoMs = Number.NaN;
  private lastIso = '';

  constructor(private readonly options: JobOutcomesOptions) {}

  // Not `async`: one promise per job fewer on the hot path.
  completed(event: Completed): Promise<void> {
    const { queue, stats, publish, results } = this.options;
    const ref = { jobId: event.job.id, token: event.claimToken };
    let io: Promise<void>;
    try {
      io = queue.complete(ref, event.attempts);
    } catch (error) {
      io = Promise.reject(error);
    }
    return io.then(
      () => {
        const job = { ...event.job, status: 'COMPLETED' as const, attempts: event.attempts };
        const result: JobResult = { ...event.result, job };
        stats.record(true, result.duration);
        publish(JobExecutorEventTypes.JOB_COMPLETED, { job, result });
        results.settle(result);
      },
      (error: unknown) => this.stale(error),
    );
  }

  async failed(event: Failed): Promise<void> {
    const { queue, stats, publish, results, clock } = this.options;
    const ref = { jobId: event.job.id, token: event.claimToken };
    const { error } = event;
    try {
      await queue.fail(ref, {
        attempts: event.attempts,
        errorCode: error.code,
        errorMessage: error.message,
        halt: this.options.policy === 'halt',
      });
    } catch (failure) {
      return this.stale(failure);
    }
    const job = { ...event.job, status: 'FAILED' as const, attempts: event.attempts };
    const now = clock.now();
    const result: JobResult = {
      job,
      success: false,
      completedAt: this.iso(now),
      // The last attempt's: the executor's figure when it returned a result, else measured here.
      duration: event.result?.duration ?? Math.max(0, now - event.startedAt),
      operations: [],
      metadata: event.result?.metadata,
      errorCode: error.code,
      errorMessage: error.message,
      error,
    };
    stats.record(false, result.duration);
    publish(JobExecutorEventTypes.JOB_FAILED, {
      job,
      error,
      willRetry: false,
      retryCount: event.attempts - 1,
      result,
    });
    if (event.fatal) {
      publish(JobExecutorEventTypes.FATAL_ERROR, { job, error, synced: event.synced });
    }
    results.settle(result);
  }

  /** ISO string of `ms`; the last one is reused (many jobs start within one millisecond). */
  iso(ms: number): string {
    if (ms !== this.lastIsoMs) {
      this.lastIsoMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  /** Reaped while it ran: another runner owns the job now and will replay it idempotently. */
  private stale(error: unknown): void {
    if (!(error instanceof StaleClaimError)) throw error;
    this.options.onError(error);
  }
}

/** The result `watch` gives for a job that finished before this process kept its result. */
export function resultFromRecord(
  job: Job & { lastError?: { code: number; message: string } },
  completedAt: string,
): JobResult {
  const success = job.status === 'COMPLETED';
  return {
    job,
    success,
    completedAt,
    duration: 0,
    operations: [],
    metadata: { fromRecord: true },
    ...(success
      ? {}
      : {
          errorCode: job.lastError?.code,
          errorMessage: job.lastError?.message,
          error: job.lastError
            ? new JobError(job.lastError.code as JobErrorCode, job.lastError.message)
            : undefined,
        }),
  };
}
