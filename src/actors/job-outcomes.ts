/**
 * Records how a job ended: writes the outcome to the queue, then counts it, publishes
 * `jobCompleted` or `jobFailed` (+ `fatalError`) and settles its `watch`ers — in that order, so a
 * subscriber never hears of an outcome the queue has not stored. Every end of a claim the runtime
 * writes (`complete`, `fail`, `release`) goes through here and is retried when the queue fails
 * (see {@link JobOutcomes}).
 * @module
 */
import type { ClaimRef, IQueue } from '../adapters/ports.js';
import type { Clock } from '../clock.js';
import { JobError, type JobErrorCode, StaleClaimError } from '../errors.js';
import { type EventPayloads, JobExecutorEventTypes } from '../events.js';
import type { LaneEmitted } from '../machines/protocol.js';
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
  /** The executor is stopping (or stopped): an end that cannot be written is given up. */
  stopping(): boolean;
};

/** How the write of a claim's end turned out. */
type EndWritten = 'ended' | 'stale' | 'abandoned';

/** First delay before writing a claim's end again, ms; it doubles after each failure. */
export const CLAIM_END_RETRY_DELAY = 50;
/** Longest delay between two tries of a claim's end, ms. */
export const CLAIM_END_MAX_DELAY = 5_000;
/**
 * Tries of a claim's end before giving it up to the reaper (durable queues, and any queue while
 * the executor stops): 50 + 100 + 200 + 400 + 800 ms of backoff, about 1.5 s.
 */
export const CLAIM_END_TRIES = 6;

/** The end of a claim could not be written after its tries: the claim was given up. */
export class ClaimEndAbandonedError extends Error {
  override readonly name = 'ClaimEndAbandonedError';
  constructor(
    readonly jobId: string,
    readonly kind: 'complete' | 'fail' | 'release',
    tries: number,
    options: { cause: unknown; reaped: boolean },
  ) {
    super(
      `Could not ${kind} job ${JSON.stringify(jobId)} after ${tries} tries; ` +
        (options.reaped
          ? 'its claim is no longer heartbeated: the reaper returns the job to pending, and it is replayed'
          : 'the queue has no reaper: the job stays RUNNING until the process restarts'),
      { cause: options.cause },
    );
  }
}

/** A successful attempt whose end is to be written (the lane's `job.completed`, or the attempt's success itself). */
export type CompletedAttempt = Pick<
  Extract<LaneEmitted, { type: 'job.completed' }>,
  'job' | 'claimToken' | 'attempts' | 'result'
>;
type Failed = Extract<LaneEmitted, { type: 'job.failed' }>;
type Waiting = Extract<LaneEmitted, { type: 'job.waiting' }>;

export class JobOutcomes {
  private lastIsoMs = Number.NaN;
  private lastIso = '';
  /** Timers of the ends waiting to be written again. */
  private readonly retryTimers = new Set<unknown>();
  /**
   * Jobs whose end this process is writing: the queue may show them finished a moment before their
   * result is settled, and `watch` must wait for that result, not build one from the record.
   */
  private readonly ending = new Set<string>();

  constructor(private readonly options: JobOutcomesOptions) {}

  /**
   * Writes a success, then publishes and settles it, then calls `then(success)` (also when the
   * end was not written: stale, or given up), or `failed(success, error)` when publishing or
   * settling threw. The hot path of every job (README: Performance): one queue promise and one
   * reaction; callbacks, not a promise of its own, so no further reaction and microtask hop; no
   * closure for a first try that succeeds (the retry path, `endAgain`, builds its own).
   */
  completed<S extends CompletedAttempt>(
    success: S,
    then: (success: S) => void,
    failed: (success: S, error: unknown) => void,
  ): void {
    const { queue } = this.options;
    const ref = { jobId: success.job.id, token: success.claimToken };
    this.ending.add(ref.jobId);
    // A handler job's return value is stored with its end (README: Handler jobs).
    const { attempts } = success;
    const output = success.result.output;
    let first: Promise<void>;
    try {
      first =
        output === undefined
          ? queue.complete(ref, attempts)
          : queue.complete(ref, attempts, output);
    } catch (error) {
      first = Promise.reject(error);
    }
    first.then(
      () => this.completedWritten(success, 'ended', then, failed),
      (error: unknown) => {
        const again = () => queue.complete(ref, attempts, output);
        this.endAgain(ref, 'complete', again, error).then((written) =>
          this.completedWritten(success, written, then, failed),
        );
      },
    );
  }

  private completedWritten<S extends CompletedAttempt>(
    success: S,
    written: EndWritten,
    then: (success: S) => void,
    failed: (success: S, error: unknown) => void,
  ): void {
    const { stats, publish, results } = this.options;
    this.ending.delete(success.job.id);
    if (written === 'ended') {
      try {
        const job = { ...success.job, status: 'COMPLETED' as const, attempts: success.attempts };
        const result: JobResult = { ...success.result, job };
        stats.record(true, result.duration);
        publish(JobExecutorEventTypes.JOB_COMPLETED, { job, result });
        results.settle(result);
      } catch (error) {
        failed(success, error);
        return;
      }
    }
    then(success);
  }

  async failed(event: Failed): Promise<void> {
    const { queue, stats, publish, results, clock } = this.options;
    const ref = { jobId: event.job.id, token: event.claimToken };
    const { error } = event;
    const failure = {
      attempts: event.attempts,
      errorCode: error.code,
      errorMessage: error.message,
      halt: this.options.policy === 'halt',
    };
    this.ending.add(ref.jobId);
    const written = await this.end(ref, 'fail', () => queue.fail(ref, failure));
    this.ending.delete(ref.jobId);
    if (written !== 'ended') return;
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

  /** Whether this process is writing the job's end (its result comes with the write's answer). */
  isEnding(jobId: string): boolean {
    return this.ending.has(jobId);
  }

  /** ISO string of `ms`; the last one is reused (many jobs start within one millisecond). */
  iso(ms: number): string {
    if (ms !== this.lastIsoMs) {
      this.lastIsoMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  /**
   * A stateful handler returned `ctx.wait`: gives the claim back to the queue asleep, pending in
   * its lane place until `wakeAt`, with no attempt used (a wake-up starts its retries afresh,
   * README: Handler jobs), then publishes `jobWaiting`. Its `watch`ers keep waiting: the job is
   * not finished. The sleep is written like a release (retried, given up to the reaper).
   */
  waiting(event: Waiting): Promise<void> {
    const { queue, publish } = this.options;
    const ref = { jobId: event.job.id, token: event.claimToken };
    const { wakeAt, reason } = event.wait;
    return this.end(ref, 'release', () => queue.sleep(ref, { attempts: 0, wakeAt })).then(
      (written) => {
        if (written !== 'ended') return;
        const job = { ...event.job, status: 'PENDING' as const, attempts: 0, runAt: wakeAt };
        const payload = { job, wakeAt, attempt: event.attempts };
        publish(
          JobExecutorEventTypes.JOB_WAITING,
          reason === undefined ? payload : { ...payload, reason },
        );
      },
    );
  }

  /**
   * Gives a claim back to the queue, pending in its place, with `attempts` stored, and flagged
   * when a write of it may be stored (`outcomeUnknown`, README: Semantics, "Retries"). Without
   * the flag it is the 2-argument call a custom queue may implement alone.
   */
  released(ref: ClaimRef, attempts: number, outcomeUnknown = false): Promise<void> {
    const { queue } = this.options;
    const release = outcomeUnknown
      ? () => queue.release(ref, attempts, { outcomeUnknown: true })
      : () => queue.release(ref, attempts);
    return this.end(ref, 'release', release).then((written) => {
      if (written === 'stale' && outcomeUnknown) return this.completedByLostAnswer(ref, attempts);
    });
  }

  /**
   * A release refused as stale while a write of the claim may be stored: on a storage whose
   * append completes the claim in the same commit, the append committed and only its answer was
   * lost, so the job is COMPLETED and nobody has reported it. `complete` with the same claim is a
   * no-op success exactly when this claim ended it so (see `IQueue`); then the outcome is counted,
   * published and settled from the record (its operations are in the store). A claim that was
   * reaped and ended by another runner stays stale: that runner reports it.
   */
  private async completedByLostAnswer(ref: ClaimRef, attempts: number): Promise<void> {
    const { queue, stats, publish, results, clock } = this.options;
    this.ending.add(ref.jobId);
    try {
      const written = await this.end(ref, 'complete', () => queue.complete(ref, attempts));
      if (written !== 'ended') return;
      let record: Awaited<ReturnType<IQueue['get']>>;
      for (let read = 0; read < 3 && record === undefined; read++) {
        record = await queue.get(ref.jobId).catch(() => undefined);
      }
      const now = clock.now();
      const result =
        record?.status === 'COMPLETED'
          ? resultFromRecord(record, this.iso(record.finishedAt ?? now))
          : undefined;
      if (result === undefined) return;
      stats.record(true, 0);
      publish(JobExecutorEventTypes.JOB_COMPLETED, { job: result.job, result });
      results.settle(result);
    } finally {
      this.ending.delete(ref.jobId);
    }
  }

  /**
   * Whether the queue shows the job finished as `kind` would have finished it (read up to 3
   * times): then one of the failed tries took effect. A job finished so after a reap was finished
   * by another claim, and is finished all the same. A release is never confirmed this way: a
   * pending job may be the reaper's doing, and the job runs again either way.
   */
  private async endedAlready(
    jobId: string,
    kind: 'complete' | 'fail' | 'release',
  ): Promise<boolean> {
    if (kind === 'release') return false;
    const finished = kind === 'complete' ? 'COMPLETED' : 'FAILED';
    for (let read = 0; read < 3; read++) {
      try {
        return (await this.options.queue.get(jobId))?.status === finished;
      } catch {
        // read again
      }
    }
    return false;
  }

  /** Cancels the retries waiting (the executor is disposed): their ends are never written. */
  dispose(): void {
    for (const timer of this.retryTimers) this.options.clock.clearTimeout(timer);
    this.retryTimers.clear();
  }

  /**
   * Writes the end of a claim, retrying a failed write with capped exponential backoff: ends are
   * fenced by the claim's token and repeating one is a no-op success (see `IQueue`), so a retry
   * after a write that took effect but lost its answer is safe. A stale answer means the claim was
   * reaped: another claim owns the job now and replays it idempotently. On a durable queue (one
   * that can `abandon` a claim) the end is given up after `CLAIM_END_TRIES` tries: the claim stops
   * heartbeating and the reaper returns the job. A queue without a reaper (memory) is retried while
   * the executor runs; once it stops, the end is given up after the same tries (so `stop()`
   * resolves). Never rejects.
   */
  private end(
    ref: ClaimRef,
    kind: 'complete' | 'fail' | 'release',
    write: () => Promise<void>,
  ): Promise<EndWritten> {
    // The first try without an async frame: one promise and microtask hop fewer per job.
    let first: Promise<void>;
    try {
      first = write();
    } catch (error) {
      first = Promise.reject(error);
    }
    return first.then(
      () => 'ended' as const,
      (error: unknown) => this.endAgain(ref, kind, write, error),
    );
  }

  /** `end` after its first try failed with `firstError`: the retries described there. */
  private async endAgain(
    ref: ClaimRef,
    kind: 'complete' | 'fail' | 'release',
    write: () => Promise<void>,
    firstError: unknown,
  ): Promise<EndWritten> {
    const { queue, clock, onError, stopping } = this.options;
    let error = firstError;
    for (let tries = 1; ; tries++) {
      if (error instanceof StaleClaimError) {
        onError(error);
        return 'stale';
      }
      const reaped = queue.abandon !== undefined;
      if (tries >= CLAIM_END_TRIES && (reaped || stopping())) {
        // One of the failed tries may have taken effect (its answer lost): then the end is
        // written, and the job's outcome must be reported, not left to a reaper that will
        // never take a finished job.
        if (await this.endedAlready(ref.jobId, kind)) return 'ended';
        try {
          await queue.abandon?.(ref);
        } catch (failure) {
          onError(failure);
        }
        onError(new ClaimEndAbandonedError(ref.jobId, kind, tries, { cause: error, reaped }));
        return 'abandoned';
      }
      onError(error);
      const delay = Math.min(CLAIM_END_MAX_DELAY, CLAIM_END_RETRY_DELAY * 2 ** (tries - 1));
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => {
          this.retryTimers.delete(timer);
          resolve();
        }, delay);
        this.retryTimers.add(timer);
      });
      try {
        await write();
        return 'ended';
      } catch (failure) {
        error = failure;
      }
    }
  }
}

/** The result `watch` gives for a job that finished before this process kept its result. */
export function resultFromRecord(
  record: Job & { lastError?: { code: number; message: string }; output?: unknown },
  completedAt: string,
): JobResult {
  const { output, ...job } = record;
  const success = job.status === 'COMPLETED';
  return {
    ...(success && output !== undefined ? { output } : {}),
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
