/**
 * Runs attempts for lane actors: calls the executor (with its signal and attempt context); a
 * failure goes back to the lane as `attempt.failed`, a success to the runtime first (which writes
 * it, then sends `attempt.done`), both tagged with the attempt's token so a late result of an
 * older attempt is ignored by the machine's `isCurrentAttempt` guard.
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
import type { JobRunConfig, LaneEvent } from '../machines/protocol.js';
import type { AttemptContext, IJobExecutor, Job, JobResult } from '../types.js';
import { EventLoopTurns } from './event-loop-turns.js';

type LaneSelf = { send(event: LaneEvent): void };

/** A successful attempt, before its lane hears of it. */
export type AttemptSuccess = {
  lane: LaneSelf;
  laneKey: string;
  token: number;
  result: JobResult;
  job: Job;
  claimToken: string;
  attempts: number;
};

/**
 * One attempt as the executor sees it (its 4th argument, `AttemptContext`). Its `AbortController`
 * is created only when someone reads `signal`: most executors of an in-process store never do, and
 * a controller per job was a measurable part of P1 (README: Performance). An abort that comes
 * before the signal is read is kept, and the signal is born aborted.
 */
class Attempt implements AttemptContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  constructor(
    readonly claim: { jobId: string; token: string },
    readonly attempts: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

export class AttemptRunner {
  /** Each lane's current attempt, until its promise settles or it is aborted. */
  private readonly current = new Map<string, Attempt>();

  /** Every chain of jobs passes through an attempt start: that is where the loop gets its turns. */
  private readonly turns = new EventLoopTurns();

  /**
   * Whether the executor gets a real signal as its 3rd argument: unless it says it reads
   * `attempt.signal` instead (`attemptSignal: true`). Not guessed from `execute.length`, which a
   * default or destructured parameter shortens (`(job, config, signal = undefined)` has length 2):
   * a wrong guess would leave an executor without the signal that times it out.
   */
  private readonly signalArgument: boolean;

  /**
   * @param succeeded Takes a current attempt's success instead of the lane: the runtime writes
   *   the outcome first, then tells the lane (`attempt.done`), possibly with its next job.
   */
  constructor(
    private readonly executor: IJobExecutor,
    private readonly succeeded: (success: AttemptSuccess) => void,
  ) {
    this.signalArgument = executor.attemptSignal !== true;
  }

  run(context: LaneContext, self: LaneSelf): void {
    if (!context.job) return;
    const { laneKey, attemptToken: token, config, claimToken, attempts } = context;
    // The claim counted its first attempt; a retry in-process counts on in the lane's context.
    const claimed = context.job;
    const job = claimed.attempts === attempts ? claimed : { ...claimed, attempts };
    // Registered now, so an abort that arrives before a deferred start still reaches the attempt
    // (it then starts with an aborted signal and ends as that abort).
    // The claim goes to the executor, whose append completes it in the same commit.
    const attempt = new Attempt({ jobId: job.id, token: claimToken }, attempts);
    this.current.set(laneKey, attempt);
    this.turns.run(() => this.start(laneKey, token, job, config, attempt, self));
  }

  private start(
    laneKey: string,
    token: number,
    job: Job,
    config: JobRunConfig,
    attempt: Attempt,
    lane: LaneSelf,
  ): void {
    let running: Promise<JobResult>;
    try {
      running = this.executor.execute(
        job,
        config,
        this.signalArgument ? attempt.signal : undefined,
        attempt,
      );
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => {
        if (this.current.get(laneKey) === attempt) this.current.delete(laneKey);
        if (result.success && result.wait !== undefined) {
          // A stateful handler's `ctx.wait`: the lane decides (its `waiting` state), then the
          // runtime writes it; nothing is completed.
          lane.send({ type: 'attempt.done', token, result });
        } else if (result.success) {
          const { claim, attempts } = attempt;
          this.succeeded({ lane, laneKey, token, result, job, claimToken: claim.token, attempts });
        } else {
          lane.send({ type: 'attempt.failed', token, error: errorOfResult(result), result });
        }
      },
      (error: unknown) => {
        if (this.current.get(laneKey) === attempt) this.current.delete(laneKey);
        lane.send({ type: 'attempt.failed', token, error: toJobError(error) });
      },
    );
  }

  /** Fires the signal of the lane's current attempt with a `JobError` of `code` as its reason. */
  abort(laneKey: string, code: number): void {
    const attempt = this.current.get(laneKey);
    if (!attempt) return;
    this.current.delete(laneKey);
    attempt.abort(new JobError(code as JobErrorCode, `Attempt aborted: ${errorCodeName(code)}`));
  }

  /** Attempts whose promise has not settled yet. */
  get running(): number {
    return this.current.size;
  }
}

function errorOfResult(result: JobResult): JobError {
  if (result.error instanceof JobError) return result.error;
  const code = (result.errorCode ?? JobErrorCodes.LIBRARY_ERROR) as JobErrorCode;
  return new JobError(code, result.errorMessage ?? 'Job failed');
}
