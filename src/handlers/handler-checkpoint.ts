/**
 * A stateful handler's `ctx.checkpoint` (README: Handler jobs, "Stateful handlers"): `save`
 * stores a JSON copy of a value with the job, under the attempt's claim, and `load` reads back
 * the last one stored, so a call after a wake-up, a retry, a restart or a crash resumes from it.
 * @module
 */
import type { ClaimRef, IQueue } from '../adapters/ports.js';
import { JobValidationError, NonRetryableError } from '../errors.js';
import { beginWalk, copyJsonData, enter, leave } from '../json-data.js';

/** The checkpoint of a handler job, as `ctx.checkpoint` offers it. */
export type HandlerCheckpoint = {
  /**
   * The value saved last for this job (by this call or an earlier one), as JSON data; `undefined`
   * when none was saved yet, or `null` was saved (which clears it). One read of the queue.
   */
  load<T = unknown>(): Promise<T | undefined>;
  /**
   * Stores `value` with the job, replacing the last checkpoint; `null` clears it. Resolves once it
   * is stored (durably, on a durable queue). `value` must be JSON data of at most
   * `JOB_LIMITS.maxJobBytes` bytes (else a `NonRetryableError`, which fails the job when
   * rethrown); a call after the attempt ended (timed out, aborted, returned) rejects and stores
   * nothing, and so does one whose claim was lost (`StaleClaimError`).
   */
  save(value: unknown): Promise<void>;
};

/** What a checkpoint needs from the attempt that owns it. */
export type CheckpointAttempt = {
  queue: IQueue;
  jobId: string;
  /** The attempt's claim; absent when the executor was called without one. */
  claim: ClaimRef | undefined;
  /** Whether the attempt is over (its result is in, or its signal fired). */
  ended(): boolean;
};

/** The `ctx.checkpoint` of one attempt. */
export function handlerCheckpoint(attempt: CheckpointAttempt): HandlerCheckpoint {
  return {
    async load<T>(): Promise<T | undefined> {
      const job = await attempt.queue.get(attempt.jobId);
      return (job?.checkpoint ?? undefined) as T | undefined;
    },
    async save(value: unknown): Promise<void> {
      const copy = checkpointCopy(value);
      if (attempt.ended()) {
        throw new Error(
          `ctx.checkpoint.save was called after the attempt of job ${JSON.stringify(attempt.jobId)} ended (it returned, timed out or was aborted); save before returning, and stop work when ctx.signal aborts`,
        );
      }
      if (attempt.claim === undefined) {
        throw new Error(
          `ctx.checkpoint.save needs the attempt's claim, which the executor of job ${JSON.stringify(attempt.jobId)} was not given; run handler jobs through a reactor`,
        );
      }
      await attempt.queue.saveCheckpoint(attempt.claim, copy);
    },
  };
}

/** A detached JSON copy of a checkpoint, checked as a job's payload is; `null` for none. */
function checkpointCopy(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  beginWalk(-1);
  enter('checkpoint');
  try {
    const copy = copyJsonData(value);
    leave();
    return copy;
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    throw new NonRetryableError(
      `ctx.checkpoint.save: ${error.message}; save plain JSON data (keep large data elsewhere and save a reference)`,
    );
  }
}
