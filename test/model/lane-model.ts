/**
 * The model shared by the job lifecycle and lane model-based tests: a small, finite domain of
 * claims, configurations, results and errors; the events offered in every state; the invariants
 * of a lane's context; and a checker of the order and content of the events a lane emits.
 */
import type { EventObject } from 'xstate';
import type { Claim } from '../../src/adapters/ports.js';
import { isFatalCode, JobError, JobErrorCodes } from '../../src/errors.js';
import {
  attemptTiming,
  backoffTiming,
  type LaneContext,
} from '../../src/machines/job-lifecycle.js';
import type { JobRunConfig, LaneEmitted, LaneEvent } from '../../src/machines/protocol.js';
import type { Job, JobResult } from '../../src/types.js';

/** Attempt timing made deterministic for the walk: every attempt begins at time 0. */
export const attemptAt0 = ({ context }: { context: LaneContext }) => attemptTiming(context, 0);
/** Backoff made deterministic for the walk: time 0, jitter 0.5. */
export const backoffAt0 = ({ context }: { context: LaneContext }) =>
  backoffTiming(context, 0, () => 0.5);

export function makeJob(attempts: number): Job {
  return {
    id: 'job-1',
    documentId: 'doc-1',
    scopes: ['global'],
    branch: 'main',
    actions: [],
    status: 'RUNNING',
    createdAt: 0,
    attempts,
  };
}

export function makeConfig(maxRetries: number, syncEnabled: boolean): JobRunConfig {
  return { jobTimeout: 1_000, retryBaseDelay: 100, retryMaxDelay: 1_000, maxRetries, syncEnabled };
}

export type ClaimCase = { claim: Claim; config: JobRunConfig };

/**
 * maxRetries 0–2 × sync source or not, each a first claim; plus a job claimed again after a
 * release (attempts already 2), with retries left.
 */
export const claimCases: ClaimCase[] = [
  ...[0, 1, 2].flatMap((maxRetries) =>
    [false, true].map((syncEnabled) => ({
      claim: { job: makeJob(1), token: `claim-${maxRetries}-${syncEnabled}` },
      config: makeConfig(maxRetries, syncEnabled),
    })),
  ),
  { claim: { job: makeJob(2), token: 'reclaim' }, config: makeConfig(2, true) },
];

const result: JobResult = {
  job: makeJob(1),
  success: true,
  completedAt: new Date(0).toISOString(),
  duration: 0,
  operations: [],
};

/** A stateful handler's `ctx.wait` result. */
const waitResult: JobResult = { ...result, wait: { wakeAt: 5_000, reason: 'later' } };

const ioError = new JobError(JobErrorCodes.IO_ERROR, 'write conflict');
/** Retryable, fatal, plain, and the abort a stop causes. */
export const attemptErrors = [
  ioError,
  new JobError(JobErrorCodes.HASH_MISMATCH, 'hash mismatch'),
  new JobError(JobErrorCodes.LIBRARY_ERROR, 'reducer threw'),
  new JobError(JobErrorCodes.GRACEFUL_ABORT, 'aborted'),
];

export type DelayedEvents = { jobTimeout: string; backoff: string };

/** The lane's next job handed over with a success (lane batching): a second first claim. */
export const nextJob = {
  claim: { job: { ...makeJob(1), id: 'job-2' }, token: 'next' },
  config: makeConfig(1, false),
};

/** A result of the previous attempt (its token is one behind). */
export const isStale = (event: EventObject, context: LaneContext) =>
  (event.type === 'attempt.done' || event.type === 'attempt.failed') &&
  'token' in event &&
  event.token !== context.attemptToken;

/**
 * Every event a lane can receive, offered in every state: results with the current token and
 * with a stale one, slot grants, sync results, stops, and the two delayed events by their ids.
 */
export function laneEvents(delayed: DelayedEvents, assigned: LaneEvent[] = []) {
  return (snapshot: { context: LaneContext }): EventObject[] => {
    const token = snapshot.context.attemptToken;
    const events: (LaneEvent | EventObject)[] = [
      ...assigned,
      { type: 'slot.granted' },
      { type: 'attempt.done', token, result },
      { type: 'attempt.done', token, result, next: nextJob },
      { type: 'attempt.done', token, result: waitResult },
      { type: 'attempt.done', token: token - 1, result },
      ...attemptErrors.map((error) => ({ type: 'attempt.failed' as const, token, error })),
      { type: 'attempt.failed', token: token - 1, error: ioError },
      { type: 'sync.done' },
      { type: 'sync.failed', error: ioError },
      { type: 'lane.release' },
      { type: 'lane.abort' },
      { type: delayed.jobTimeout },
      { type: delayed.backoff },
    ];
    return events;
  };
}

/** The bound on attempts: maxRetries + 1, plus the one re-apply of the fatal path. */
export const attemptBound = (c: LaneContext) => c.config.maxRetries + 1 + (c.synced ? 1 : 0);

/** Invariants of a lane's context holding a job (`job` defined). */
export function checkJobContext(c: LaneContext, claimAttempts: number): string[] {
  const problems: string[] = [];
  if (c.attempts > attemptBound(c)) {
    problems.push(`attempts ${c.attempts} > maxRetries ${c.config.maxRetries} + 1 + synced`);
  }
  // Each attempt of this claim took one token; the claim counted its first attempt.
  if (c.attempts !== claimAttempts - 1 + c.attemptToken) {
    problems.push(`attempts ${c.attempts} but ${c.attemptToken} attempts begun`);
  }
  if (c.synced && !c.config.syncEnabled) problems.push('synced without a sync source');
  if (c.retryDelay > c.config.retryMaxDelay) problems.push(`retryDelay ${c.retryDelay} > max`);
  return problems;
}

type JobTrack = {
  claimAttempts: number;
  config: JobRunConfig;
  /** Attempts counted so far (the claim counted one before the first started). */
  counted: number;
  startedThisClaim: number;
  held: boolean;
  ended: boolean;
  /** The claim's job came flagged `outcomeUnknown` (a write of an earlier claim may be stored). */
  outcomeUnknown: boolean;
};

/**
 * Follows one lane's emitted events over a path and fails on the first out of order: slot
 * accounting (a slot is acquired before an attempt starts and released exactly once), attempt
 * numbering, retries only for retryable errors with retries left, one terminal event per job,
 * and (lane) `lane.idle` right after it.
 */
export class LaneEventChecker {
  private job: JobTrack | undefined;
  /** The next job a success handed over, until the lane starts it or gives it back. */
  private next: { claim: Claim; config: JobRunConfig } | undefined;
  readonly problems: string[] = [];

  /** A job was handed to the lane; `holdsSlot` when its claim reserved the slot. */
  assign(claim: Claim, config: JobRunConfig, holdsSlot: boolean): void {
    if (this.job && !this.job.ended) this.fail('a job was assigned while another is in hand');
    this.job = {
      claimAttempts: claim.job.attempts,
      config,
      counted: claim.job.attempts - 1,
      startedThisClaim: 0,
      held: holdsSlot,
      ended: false,
      outcomeUnknown: claim.job.outcomeUnknown === true,
    };
  }

  /**
   * One step: `cause` was sent in `before` (a state name such as `pending`) and the lane emitted
   * `emitted`, in order.
   */
  step(cause: EventObject, before: string, after: string, emitted: EventObject[]): void {
    const job = this.job;
    if (job && cause.type === 'slot.granted' && before === 'pending' && after !== 'pending') {
      if (job.held) this.fail('a slot was granted to a lane that holds one');
      job.held = true;
    }
    for (const event of emitted as LaneEmitted[]) this.onEmitted(event, cause, before);
  }

  private onEmitted(event: LaneEmitted, cause: EventObject, before: string): void {
    const job = this.job;
    if (event.type === 'lane.idle') {
      if (!job?.ended) this.fail('lane.idle before the job ended');
      if (this.next) this.fail('lane.idle with a next job neither started nor given back');
      this.job = undefined;
      return;
    }
    if (job?.ended && this.next) {
      // The next job: started at once, or given back unstarted (a stop came first).
      const next = this.next;
      this.next = undefined;
      if (event.type === 'job.released') {
        if (event.job.id !== next.claim.job.id) this.fail('job.released of another job');
        if (!event.heldSlot) this.fail('a next job given back without its slot');
        if (event.attempts !== next.claim.job.attempts - 1) this.fail('next job attempts counted');
        if (event.outcomeUnknown !== (next.claim.job.outcomeUnknown === true)) {
          this.fail('a next job given back without its outcomeUnknown flag');
        }
        return;
      }
      this.assign(next.claim, next.config, true);
      this.onEmitted(event, cause, before);
      return;
    }
    if (!job || job.ended) {
      this.fail(`${event.type} ${job ? 'after the job ended' : 'with no job in hand'}`);
      return;
    }
    switch (event.type) {
      case 'slot.request':
        if (job.held) this.fail('slot.request while holding a slot');
        break;
      case 'job.started':
        if (!job.held) this.fail('job.started without a slot');
        if (event.attempt !== job.counted + 1) {
          this.fail(`job.started attempt ${event.attempt}, expected ${job.counted + 1}`);
        }
        job.counted = event.attempt;
        job.startedThisClaim++;
        break;
      case 'retry.scheduled':
        if (!job.startedThisClaim) this.fail('retry.scheduled before job.started');
        if (!job.held) this.fail('retry.scheduled without a slot to release');
        if (!event.error.retryable) this.fail(`retry.scheduled for ${event.error.codeName}`);
        if (event.retryCount !== job.counted)
          this.fail(`retry.scheduled retryCount ${event.retryCount}`);
        if (job.counted > job.config.maxRetries) this.fail('retry.scheduled with no retries left');
        job.held = false;
        break;
      case 'job.completed':
        if (!job.startedThisClaim) this.fail('job.completed before job.started');
        if (!job.held) this.fail('job.completed without a slot to release');
        if (event.attempts !== job.counted) this.fail(`job.completed attempts ${event.attempts}`);
        if (!event.result) this.fail('job.completed without a result');
        this.end(job);
        if (cause.type === 'attempt.done' && 'next' in cause && cause.next) {
          this.next = cause.next as { claim: Claim; config: JobRunConfig };
        }
        break;
      case 'job.failed': {
        if (!job.startedThisClaim) this.fail('job.failed before job.started');
        if (!job.held) this.fail('job.failed without a slot to release');
        if (event.attempts !== job.counted) this.fail(`job.failed attempts ${event.attempts}`);
        if (event.fatal !== isFatalCode(event.error.code)) this.fail('job.failed fatal flag');
        if (event.fatal && job.config.syncEnabled && !event.synced) {
          this.fail('a fatal failure with a sync source failed without syncing');
        }
        const retriesLeft = job.counted <= job.config.maxRetries;
        if (event.error.retryable && retriesLeft && cause.type !== 'sync.failed') {
          this.fail(`job.failed on a retryable ${event.error.codeName} with retries left`);
        }
        this.end(job);
        break;
      }
      case 'job.waiting':
        if (!job.startedThisClaim) this.fail('job.waiting before job.started');
        if (!job.held) this.fail('job.waiting without a slot to release');
        if (event.attempts !== job.counted) this.fail(`job.waiting attempts ${event.attempts}`);
        if (cause.type !== 'attempt.done' || !event.wait) this.fail('job.waiting without a wait');
        this.end(job);
        break;
      case 'job.released': {
        if (event.heldSlot !== job.held) {
          this.fail(`job.released heldSlot ${event.heldSlot}, lane held ${job.held}`);
        }
        // Only an attempt aborted by a hard stop goes back uncounted.
        const aborted = before === 'aborting';
        const expected = aborted ? job.counted - 1 : job.counted;
        if (event.attempts !== expected) {
          this.fail(`job.released attempts ${event.attempts}, expected ${expected}`);
        }
        // The domain's errors all know their outcome: a release keeps the claim's flag as it was.
        if (event.outcomeUnknown !== job.outcomeUnknown) {
          this.fail(`job.released outcomeUnknown ${event.outcomeUnknown}`);
        }
        this.end(job);
        break;
      }
    }
  }

  private end(job: JobTrack): void {
    job.held = false;
    job.ended = true;
  }

  private fail(problem: string): void {
    this.problems.push(problem);
  }
}
