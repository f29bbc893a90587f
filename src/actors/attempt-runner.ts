/**
 * Runs attempts for lane actors: calls the executor with an `AbortSignal` and sends the outcome
 * back to the lane as `attempt.done` / `attempt.failed`, tagged with the attempt's token so a late
 * result of an older attempt is ignored by the machine's `isCurrentAttempt` guard.
 * @internal
 * @module
 */
import {
  errorCodeName,
  JobError,
  type JobErrorCode,
  JobErrorCodes,
  toJobError,
} from '../errors.js';
import type { LaneContext } from '../machines/job-lifecycle.js';
import type { LaneEvent } from '../machines/protocol.js';
import type { IJobExecutor, JobResult } from '../types.js';
import { EventLoopTurns } from './event-loop-turns.js';

type LaneSelf = { send(event: LaneEvent): void };

export class AttemptRunner {
  /** The abort controller of each lane's current attempt. */
  private readonly controllers = new Map<string, AbortController>();

  /** Every chain of jobs passes through an attempt start: that is where the loop gets its turns. */
  private readonly turns = new EventLoopTurns();

  constructor(private readonly executor: IJobExecutor) {}

  run(context: LaneContext, self: LaneSelf): void {
    if (!context.job) return;
    // Registered now, so an abort that arrives before a deferred start still reaches the attempt
    // (it then starts with an aborted signal and ends as that abort).
    const controller = new AbortController();
    this.controllers.set(context.laneKey, controller);
    this.turns.run(() => this.start(context, self, controller));
  }

  private start(context: LaneContext, self: LaneSelf, controller: AbortController): void {
    const { laneKey, attemptToken: token, config, claimToken, attempts } = context;
    // The claim counted its first attempt; a retry in-process counts on in the lane's context.
    const claimed = context.job!;
    const job = claimed.attempts === attempts ? claimed : { ...claimed, attempts };
    const settle = () => {
      if (this.controllers.get(laneKey) === controller) this.controllers.delete(laneKey);
    };
    let attempt: Promise<JobResult>;
    try {
      attempt = this.executor.execute(
        job,
        config,
        controller.signal,
        // The claim goes to the executor, whose append completes it in the same commit.
        { claim: { jobId: job.id, token: claimToken }, attempts },
      );
    } catch (error) {
      attempt = Promise.reject(error);
    }
    attempt.then(
      (result) => {
        settle();
        if (result.success) {
          self.send({ type: 'attempt.done', token, result });
        } else {
          self.send({ type: 'attempt.failed', token, error: errorOfResult(result), result });
        }
      },
      (error: unknown) => {
        settle();
        self.send({ type: 'attempt.failed', token, error: toJobError(error) });
      },
    );
  }

  /** Fires the signal of the lane's current attempt with a `JobError` of `code` as its reason. */
  abort(laneKey: string, code: number): void {
    const controller = this.controllers.get(laneKey);
    if (!controller) return;
    this.controllers.delete(laneKey);
    controller.abort(new JobError(code as JobErrorCode, `Attempt aborted: ${errorCodeName(code)}`));
  }

  /** Attempts whose promise has not settled yet. */
  get running(): number {
    return this.controllers.size;
  }
}

function errorOfResult(result: JobResult): JobError {
  if (result.error instanceof JobError) return result.error;
  const code = (result.errorCode ?? JobErrorCodes.LIBRARY_ERROR) as JobErrorCode;
  return new JobError(code, result.errorMessage ?? 'Job failed');
}
