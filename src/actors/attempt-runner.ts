/**
 * Runs attempts for lane actors: calls the executor (with its signal and attempt context); a
 * failure goes back to the lane as `attempt.failed`, a success to the runtime first (which writes
 * it, then sends `attempt.done`), both tagged with the attempt's token so a late result of an
 * older attempt is ignored by the machine's `isCurrentAttempt` guard.
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

/**
 * An attempt as the runner keeps it, from its start to its answer; with its result set, the
 * `AttemptSuccess` the runtime gets (one object per attempt for all of it). The executor sees only
 * its `attempt`.
 */
class RunningAttempt implements AttemptSuccess {
  readonly laneKey: string;
  readonly token: number;
  readonly claimToken: string;
  readonly attempts: number;
  readonly config: JobRunConfig;
  readonly attempt: Attempt;
  result!: JobResult;

  constructor(
    readonly lane: LaneSelf,
    context: LaneContext,
    readonly job: Job,
  ) {
    this.laneKey = context.laneKey;
    this.token = context.attemptToken;
    this.claimToken = context.claimToken;
    this.attempts = context.attempts;
    this.config = context.config;
    this.attempt = new Attempt({ jobId: job.id, token: context.claimToken }, context.attempts);
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
    const { attempts } = context;
    // The claim counted its first attempt; a retry in-process counts on in the lane's context.
    const claimed = context.job;
    const job = claimed.attempts === attempts ? claimed : { ...claimed, attempts };
    // Registered now, so an abort that arrives before a deferred start still reaches the attempt
    // (it then starts with an aborted signal and ends as that abort).
    // The claim goes to the executor, whose append completes it in the same commit.
    const running = new RunningAttempt(self, context, job);
    this.current.set(running.laneKey, running.attempt);
    this.turns.run(this.start, running);
  }

  /** Starts an attempt (one function for all of them: no closure per job). */
  private readonly start = (running: RunningAttempt): void => {
    const { attempt } = running;
    let answer: Promise<JobResult>;
    try {
      answer = this.executor.execute(
        running.job,
        running.config,
        this.signalArgument ? attempt.signal : undefined,
        attempt,
      );
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (result) => this.answered(running, result),
      (error: unknown) => {
        this.settled(running);
        running.lane.send({
          type: 'attempt.failed',
          token: running.token,
          error: toJobError(error),
        });
      },
    );
  };

  private answered(running: RunningAttempt, result: JobResult): void {
    this.settled(running);
    const { lane, token } = running;
    if (result.success && result.wait !== undefined) {
      // A stateful handler's `ctx.wait`: the lane decides (its `waiting` state), then the
      // runtime writes it; nothing is completed.
      lane.send({ type: 'attempt.done', token, result });
    } else if (result.success) {
      running.result = result; // the attempt, with its result, is the success
      this.succeeded(running);
    } else {
      lane.send({ type: 'attempt.failed', token, error: errorOfResult(result), result });
    }
  }

  /** The attempt's promise settled: it is no longer the lane's current one. */
  private settled(running: RunningAttempt): void {
    if (this.current.get(running.laneKey) === running.attempt) this.current.delete(running.laneKey);
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
