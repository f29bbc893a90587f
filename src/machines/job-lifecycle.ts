/**
 * The job lifecycle: one job from its claim to completed, failed or released.
 *
 * pending → running → completed | retrying → pending → running … | failed, with the timeout as
 * an `after` on the named delay `jobTimeout`, backoff as the named delay `backoff`, and the fatal
 * path (`syncing`, then one re-apply). This module holds the one `setup()` shared with the lane
 * machine (types, named actions, guards and delays), the lifecycle states (`jobLifecycleStates`),
 * which the lane machine embeds so a lane runs job after job without creating an actor per job,
 * and `jobLifecycleMachine`, the same states as a machine of their own, walked and tested alone.
 *
 * Effects (running an attempt, aborting it, pulling missing history) are named actions whose
 * default implementations do nothing: the runtime supplies them with `.provide()`, and model-based
 * tests walk the pure machine.
 * @module
 */
import { and, assign, emit, setup } from 'xstate';
import type { Claim } from '../adapters/ports.js';
import { isFatalCode, isRetryableCode, JobError, JobErrorCodes } from '../errors.js';
import type { Job, JobResult } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { JobRunConfig, LaneEmitted, LaneEvent, NextJob } from './protocol.js';

/** What a stop asked of the job in hand. */
export type StopRequest = 'none' | 'release' | 'abort';

export type LaneContext = {
  laneKey: string;
  job: Job | undefined;
  claimToken: string;
  config: JobRunConfig;
  /** Attempts started, including the current one (persisted on the job across claims). */
  attempts: number;
  /** Identifies the current attempt; results carrying another token are ignored. */
  attemptToken: number;
  error: JobError | undefined;
  /**
   * An attempt of this claim, or of an earlier claim of the job (`job.outcomeUnknown`, stored by
   * the release that ended it), failed with its write's outcome unknown (`JobError.outcomeUnknown`):
   * until one succeeds, every retryable failure is retried, whatever the retries left, and a
   * release stores the flag with the job (README: Semantics, "Retries").
   */
  writeMayBeStored: boolean;
  result: JobResult | undefined;
  /** The fatal path has synced once. */
  synced: boolean;
  retryDelay: number;
  startedAt: number;
  deadlineAt: number | undefined;
  nextAttemptAt: number | undefined;
  stop: StopRequest;
  /**
   * The lane's next job, handed over with the current attempt's success (`attempt.done` with
   * `next`): the lane runs it in the same step, without going idle (lane batching).
   */
  next: NextJob | undefined;
};

export type LaneInput = { laneKey: string; claim?: Claim; config?: JobRunConfig };

export const DEFAULT_RUN_CONFIG: JobRunConfig = {
  jobTimeout: 30_000,
  retryBaseDelay: 100,
  retryMaxDelay: 30_000,
  maxRetries: 3,
  syncEnabled: false,
};

/** The context of a lane holding `claim` (or of an empty lane). */
export function initialLaneContext(input: LaneInput): LaneContext {
  return { laneKey: input.laneKey, ...jobContext(input.claim, input.config) };
}

/**
 * Everything of a lane's context but its key, for `claim` (or no job). Built as one object: it is
 * the context update of every job a lane takes (`assignJob`, `takeNext`).
 */
function jobContext(claim: Claim | undefined, config: JobRunConfig | undefined) {
  return {
    job: claim?.job,
    claimToken: claim?.token ?? '',
    config: config ?? DEFAULT_RUN_CONFIG,
    // The claim counted the first attempt; `beginAttempt` counts it again on entry to `running`.
    attempts: claim ? claim.job.attempts - 1 : 0,
    attemptToken: 0,
    error: undefined,
    writeMayBeStored: claim?.job.outcomeUnknown === true,
    result: undefined,
    synced: false,
    retryDelay: 0,
    startedAt: 0,
    deadlineAt: undefined,
    nextAttemptAt: undefined,
    stop: 'none' as StopRequest,
    next: undefined,
  } satisfies Omit<LaneContext, 'laneKey'>;
}

/**
 * The context update when an attempt begins at `now`. Pure: the runtime re-provides
 * `beginAttempt` with its injected clock (`laneMachine.provide(...)`), the default uses Date.now.
 */
export function attemptTiming(context: LaneContext, now: number): Partial<LaneContext> {
  return {
    attempts: context.attempts + 1,
    attemptToken: context.attemptToken + 1,
    startedAt: now,
    deadlineAt: now + context.config.jobTimeout,
    nextAttemptAt: undefined,
  };
}

/** The context update when a retry is scheduled at `now`, with a full-jitter delay. */
export function backoffTiming(
  context: LaneContext,
  now: number,
  random: () => number,
): Partial<LaneContext> {
  const retryDelay = backoffDelay(
    context.attempts - 1,
    context.config.retryBaseDelay,
    context.config.retryMaxDelay,
    random,
  );
  return { retryDelay, nextAttemptAt: now + retryDelay };
}

const timeoutError = (context: LaneContext) =>
  new JobError(
    JobErrorCodes.TIMEOUT,
    `Job ${context.job?.id} timed out after ${context.config.jobTimeout} ms`,
  );

export const laneSetup = setup({
  types: {
    context: {} as LaneContext,
    events: {} as LaneEvent,
    tags: {} as LaneTag,
    emitted: {} as LaneEmitted,
    input: {} as LaneInput,
  },
  actions: {
    assignJob: assign((_, params: { claim: Claim; config: JobRunConfig }) =>
      initialLaneContextFromClaim(params.claim, params.config),
    ),
    clearJob: assign({
      job: undefined,
      claimToken: '',
      result: undefined,
      error: undefined,
      stop: 'none' as StopRequest,
      next: undefined,
    }),
    /** The attempt succeeded and the runtime handed over the lane's next job with it. */
    keepNext: assign((_, params: { next: NextJob | undefined }) => ({ next: params.next })),
    /** Takes the next job in hand: a fresh lifecycle context for its claim. */
    takeNext: assign((_, params: { next: NextJob }) =>
      initialLaneContextFromClaim(params.next.claim, params.next.config),
    ),
    /** A stop came before the next job could start: it goes back to the queue, unstarted. */
    emitNextReleased: emit(({ context }) => ({
      type: 'job.released' as const,
      job: context.next!.claim.job,
      claimToken: context.next!.claim.token,
      attempts: context.next!.claim.job.attempts - 1,
      heldSlot: true,
      outcomeUnknown: context.next!.claim.job.outcomeUnknown === true,
    })),
    beginAttempt: assign(({ context }) => attemptTiming(context, Date.now())),
    /** Effect: run the attempt and send back `attempt.done` / `attempt.failed` with its token. */
    runAttempt: () => {},
    /** Effect: abort the current attempt's signal with a JobError of `code`. */
    abortAttempt: (_, _params: { code: number }) => {},
    /** Effect: pull missing history, then send `sync.done` or `sync.failed`. */
    runSync: () => {},
    recordError: assign(
      ({ context }, params: { error: JobError; result: JobResult | undefined }) => ({
        error: params.error,
        result: params.result,
        writeMayBeStored: context.writeMayBeStored || params.error.outcomeUnknown,
      }),
    ),
    recordTimeout: assign(({ context }) => ({ error: timeoutError(context) })),
    /** A timed-out attempt failed late: it counts as the timeout, unless its write may be stored. */
    recordLateError: assign((_, params: { error: JobError }) =>
      params.error.outcomeUnknown ? { error: params.error, writeMayBeStored: true } : {},
    ),
    markSynced: assign({ synced: true }),
    requestStop: assign((_, params: { stop: StopRequest }) => ({ stop: params.stop })),
    /** Chooses this retry's backoff delay; the runtime provides a seeded random source. */
    chooseBackoff: assign(({ context }) => backoffTiming(context, Date.now(), Math.random)),
    emitStarted: emit(({ context }) => ({
      type: 'job.started' as const,
      job: context.job!,
      attempt: context.attempts,
      startedAt: context.startedAt,
    })),
    emitRetry: emit(({ context }) => ({
      type: 'retry.scheduled' as const,
      job: context.job!,
      error: context.error!,
      retryCount: context.attempts,
      delay: context.retryDelay,
    })),
    // On the `attempt.done` transitions: the result goes out with the event, not through the
    // context (one context copy fewer per job).
    emitCompleted: emit(({ context }, params: { result: JobResult }) => ({
      type: 'job.completed' as const,
      job: context.job!,
      claimToken: context.claimToken,
      attempts: context.attempts,
      result: params.result,
    })),
    emitFailed: emit(({ context }) => ({
      type: 'job.failed' as const,
      job: context.job!,
      claimToken: context.claimToken,
      attempts: context.attempts,
      error: context.error!,
      result: context.result,
      fatal: context.error !== undefined && isFatalCode(context.error.code),
      synced: context.synced,
      startedAt: context.startedAt,
    })),
    emitWaiting: emit(({ context }, params: { result: JobResult }) => ({
      type: 'job.waiting' as const,
      job: context.job!,
      claimToken: context.claimToken,
      attempts: context.attempts,
      wait: params.result.wait!,
    })),
    emitReleased: emit(({ context }, params: { heldSlot: boolean; aborted: boolean }) => ({
      type: 'job.released' as const,
      job: context.job!,
      claimToken: context.claimToken,
      // An aborted attempt is not counted: the job goes back as if it never ran.
      attempts: params.aborted ? context.attempts - 1 : context.attempts,
      heldSlot: params.heldSlot,
      outcomeUnknown: context.writeMayBeStored,
    })),
    emitSlotRequest: emit(({ context }) => ({
      type: 'slot.request' as const,
      laneKey: context.laneKey,
    })),
    emitIdle: emit(({ context }) => ({ type: 'lane.idle' as const, laneKey: context.laneKey })),
  },
  guards: {
    /** The answer is the current attempt's (a late answer of an older attempt is ignored). */
    isCurrentAttempt: ({ context }, params: { token: number }) =>
      params.token === context.attemptToken,
    /** The current attempt's result is a stateful handler's `ctx.wait` (README: Handler jobs). */
    isWaitResult: ({ context }, params: { token: number; result: JobResult }) =>
      params.token === context.attemptToken && params.result.wait !== undefined,
    /** Retryable, with retries left or a write whose outcome is unknown (retried until known). */
    canRetry: ({ context }) =>
      context.error !== undefined &&
      isRetryableCode(context.error.code) &&
      (context.attempts <= context.config.maxRetries || context.writeMayBeStored),
    /** The recorded error takes the fatal path, a sync source exists, and it has not synced yet. */
    canSync: ({ context }) =>
      context.error !== undefined &&
      isFatalCode(context.error.code) &&
      context.config.syncEnabled &&
      !context.synced,
    isStopRequested: ({ context }) => context.stop !== 'none',
    hasNext: ({ context }) => context.next !== undefined,
    /** The current attempt succeeded with the lane's next job handed over, and no stop waits. */
    startsNext: ({ context }, params: { token: number; next: NextJob | undefined }) =>
      params.next !== undefined && params.token === context.attemptToken && context.stop === 'none',
  },
  delays: {
    jobTimeout: ({ context }) => context.config.jobTimeout,
    backoff: ({ context }) => context.retryDelay,
  },
});

function initialLaneContextFromClaim(claim: Claim, config: JobRunConfig): Partial<LaneContext> {
  // Attempt tokens restart with each job. That is safe: a lane leaves `running`, `timedOut` and
  // `aborting` only once its attempt's promise has settled, so no result of a previous job's
  // attempt can still arrive. (It also keeps the machine's state space finite for model tests.)
  return jobContext(claim, config);
}

/**
 * State tags the runtime asks instead of naming states: `holdsSlot`, the job holds a concurrency
 * slot (an attempt runs or settles, or the fatal path syncs); `awaitingSlot`, it waits for one
 * (`slot.granted` is expected). In `retrying` it holds neither. `idle` (lane machine): no job in
 * hand, `job.assign` is expected.
 */
export type LaneTag = 'holdsSlot' | 'awaitingSlot' | 'idle';

/**
 * The success of an attempt that may still complete its job (in `running`, and in `timedOut`,
 * whose write committed before the abort took effect): a stateful handler's wait, the lane's next
 * job handed over at once (lane batching), or completion. Spread into both states' `on`.
 */
const attemptSucceeded = laneSetup.createStateConfig({
  on: {
    'attempt.done': [
      // A stateful handler asked to sleep: the job goes back to the queue until it wakes.
      {
        guard: {
          type: 'isWaitResult',
          params: ({ event }) => ({ token: event.token, result: event.result }),
        },
        target: 'waiting',
        actions: { type: 'emitWaiting', params: ({ event }) => ({ result: event.result }) },
      },
      // Lane batching: the success hands over the lane's next job, which starts at once.
      {
        guard: {
          type: 'startsNext',
          params: ({ event }) => ({ token: event.token, next: event.next }),
        },
        target: 'running',
        reenter: true,
        actions: [
          { type: 'emitCompleted', params: ({ event }) => ({ result: event.result }) },
          { type: 'takeNext', params: ({ event }) => ({ next: event.next! }) },
        ],
      },
      {
        guard: { type: 'isCurrentAttempt', params: ({ event }) => ({ token: event.token }) },
        target: 'completed',
        actions: [
          { type: 'emitCompleted', params: ({ event }) => ({ result: event.result }) },
          { type: 'keepNext', params: ({ event }) => ({ next: event.next }) },
        ],
      },
    ],
  },
});

/**
 * The job lifecycle as state configuration:
 * pending → running → completed | retrying → pending → running … | failed, with the timeout,
 * the fatal path (syncing) and the stop paths (aborting, released).
 */
export const jobLifecycleStates = {
  pending: laneSetup.createStateConfig({
    tags: ['awaitingSlot'],
    description: 'Waiting for a concurrency slot (first attempt or after a backoff).',
    entry: 'emitSlotRequest',
    on: {
      'slot.granted': { target: 'running' },
      'lane.release': {
        target: 'released',
        actions: { type: 'emitReleased', params: { heldSlot: false, aborted: false } },
      },
      'lane.abort': {
        target: 'released',
        actions: { type: 'emitReleased', params: { heldSlot: false, aborted: false } },
      },
    },
  }),
  running: laneSetup.createStateConfig({
    tags: ['holdsSlot'],
    description: 'An attempt runs and holds a concurrency slot; its signal fires on timeout.',
    entry: ['beginAttempt', 'emitStarted', 'runAttempt'],
    after: {
      jobTimeout: {
        target: 'timedOut',
        actions: [
          'recordTimeout',
          { type: 'abortAttempt', params: { code: JobErrorCodes.TIMEOUT } },
        ],
      },
    },
    on: {
      ...attemptSucceeded.on,
      'attempt.failed': {
        guard: { type: 'isCurrentAttempt', params: ({ event }) => ({ token: event.token }) },
        target: 'settled',
        actions: {
          type: 'recordError',
          params: ({ event }) => ({ error: event.error, result: event.result }),
        },
      },
      'lane.release': { actions: { type: 'requestStop', params: { stop: 'release' } } },
      'lane.abort': {
        target: 'aborting',
        actions: [
          { type: 'requestStop', params: { stop: 'abort' } },
          { type: 'abortAttempt', params: { code: JobErrorCodes.GRACEFUL_ABORT } },
        ],
      },
    },
  }),
  settled: laneSetup.createStateConfig({
    tags: ['holdsSlot'],
    description: 'The attempt failed: decide between retry, the fatal path and failure.',
    always: [
      // A stop gives a retryable job back to the queue instead of backing off in-process.
      { guard: and(['canRetry', 'isStopRequested']), target: 'releasedAfterAttempt' },
      { guard: 'canRetry', target: 'retrying' },
      { guard: 'canSync', target: 'syncing' },
      { target: 'failed' },
    ],
  }),
  timedOut: laneSetup.createStateConfig({
    tags: ['holdsSlot'],
    description:
      'The attempt timed out and was aborted; the lane and slot stay held until its promise settles. A success (its write committed before the abort took effect) completes the job; a failure counts as the timeout, unless its write may be stored (outcome unknown: retried).',
    on: {
      // Its write is stored: reporting the timeout (or retrying) would not match the store.
      ...attemptSucceeded.on,
      'attempt.failed': {
        guard: { type: 'isCurrentAttempt', params: ({ event }) => ({ token: event.token }) },
        target: 'settled',
        actions: { type: 'recordLateError', params: ({ event }) => ({ error: event.error }) },
      },
      'lane.release': { actions: { type: 'requestStop', params: { stop: 'release' } } },
      'lane.abort': { actions: { type: 'requestStop', params: { stop: 'abort' } } },
    },
  }),
  aborting: laneSetup.createStateConfig({
    tags: ['holdsSlot'],
    description: 'A hard stop aborted the attempt; waiting for its promise to settle.',
    on: {
      // It committed before the abort took effect: it is complete, not released.
      'attempt.done': [
        // A stateful handler asked to sleep: the job goes back to the queue until it wakes.
        {
          guard: {
            type: 'isWaitResult',
            params: ({ event }) => ({ token: event.token, result: event.result }),
          },
          target: 'waiting',
          actions: { type: 'emitWaiting', params: ({ event }) => ({ result: event.result }) },
        },
        {
          guard: { type: 'isCurrentAttempt', params: ({ event }) => ({ token: event.token }) },
          target: 'completed',
          actions: [
            { type: 'emitCompleted', params: ({ event }) => ({ result: event.result }) },
            { type: 'keepNext', params: ({ event }) => ({ next: event.next }) },
          ],
        },
      ],
      'attempt.failed': {
        guard: { type: 'isCurrentAttempt', params: ({ event }) => ({ token: event.token }) },
        target: 'released',
        // Its write may have committed before the abort: the release keeps that known.
        actions: [
          { type: 'recordLateError', params: ({ event }) => ({ error: event.error }) },
          { type: 'emitReleased', params: { heldSlot: true, aborted: true } },
        ],
      },
    },
  }),
  retrying: laneSetup.createStateConfig({
    description:
      'Backing off before the next attempt: the lanes stay held, the concurrency slot is released.',
    entry: ['chooseBackoff', 'emitRetry'],
    after: { backoff: { target: 'pending' } },
    on: {
      'lane.release': {
        target: 'released',
        actions: { type: 'emitReleased', params: { heldSlot: false, aborted: false } },
      },
      'lane.abort': {
        target: 'released',
        actions: { type: 'emitReleased', params: { heldSlot: false, aborted: false } },
      },
    },
  }),
  syncing: laneSetup.createStateConfig({
    tags: ['holdsSlot'],
    description: 'Fatal path: pulling missing history before re-applying the job once.',
    entry: ['markSynced', 'runSync'],
    on: {
      'sync.done': [
        // A stop arrived while syncing: give the job back rather than start the re-apply.
        { guard: 'isStopRequested', target: 'releasedAfterAttempt' },
        { target: 'running' },
      ],
      'sync.failed': { target: 'failed' },
      'lane.release': { actions: { type: 'requestStop', params: { stop: 'release' } } },
      'lane.abort': { actions: { type: 'requestStop', params: { stop: 'abort' } } },
    },
  }),
  releasedAfterAttempt: laneSetup.createStateConfig({
    tags: ['holdsSlot'],
    description:
      'A stop arrived while the attempt ran and it failed: the job goes back to the queue.',
    always: {
      target: 'released',
      actions: { type: 'emitReleased', params: { heldSlot: true, aborted: false } },
    },
  }),
  completed: laneSetup.createStateConfig({
    description:
      'The job succeeded; its operations are written (`job.completed` went out on the way in).',
    type: 'final',
  }),
  failed: laneSetup.createStateConfig({
    description: 'The job failed for good.',
    type: 'final',
    entry: 'emitFailed',
  }),
  released: laneSetup.createStateConfig({
    description: 'The job went back to the queue (stop) and keeps its place there.',
    type: 'final',
  }),
  waiting: laneSetup.createStateConfig({
    description:
      'A stateful handler returned `ctx.wait`: the job went back to the queue asleep until its wake-up time, keeping its place (`job.waiting` went out on the way in).',
    type: 'final',
  }),
};

export const jobLifecycleMachine = laneSetup.createMachine({
  id: 'jobLifecycle',
  description: 'One job, from its claim to completed, failed or released.',
  context: ({ input }) => initialLaneContext(input),
  initial: 'pending',
  states: jobLifecycleStates,
});
