/**
 * Bus events: numeric codes (README: Events) and their payloads, in one typed map.
 * @module
 */
import type { JobError } from './errors.js';
import type { Job, JobResult } from './types.js';

/** Numeric codes of the executor's events. */
export const JobExecutorEventTypes = Object.freeze({
  JOB_STARTED: 20000,
  JOB_COMPLETED: 20001,
  JOB_RETRY: 20003,
  JOB_FAILED: 20004,
  EXECUTOR_STARTED: 20005,
  EXECUTOR_STOPPED: 20006,
  FATAL_ERROR: 20007,
  JOB_PROGRESS: 20008,
  JOB_WAITING: 20009,
} as const);

/** Numeric codes of the queue's events. */
export const QueueEventTypes = Object.freeze({
  /** A job may have become claimable (enqueue, release, retry, a lane freed). */
  JOB_AVAILABLE: 10000,
} as const);

/** Every code published on the bus. */
export const EventTypes = Object.freeze({ ...QueueEventTypes, ...JobExecutorEventTypes });
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

/** An attempt of a job begins (each attempt). */
export type JobStartedEvent = { job: Job; startedAt: string; attempt: number };
/** A job finished successfully; published after its operations are committed. */
export type JobCompletedEvent = { job: Job; result: JobResult };
/** An attempt failed with a retryable error and the job will run again after `delay` ms. */
export type JobRetryEvent = { job: Job; error: JobError; retryCount: number; delay: number };
/** A job failed for good (`willRetry` is always false: retries are `jobRetry`). */
export type JobFailedEvent = {
  job: Job;
  error: JobError;
  willRetry: false;
  retryCount: number;
  /** The failed result: error code and message, the last attempt's duration, its metadata. */
  result: JobResult;
};
/** The executor started. */
export type ExecutorStartedEvent = { config: Record<string, unknown>; startedAt: string };
/** The executor stopped. */
export type ExecutorStoppedEvent = { stoppedAt: string; graceful: boolean };
/** A hash mismatch or rebase failure survived sync and one re-apply: the lane is inconsistent. */
export type FatalErrorEvent = { job: Job; error: JobError; synced: boolean };
/** A handler job's handler reported progress (`ctx.progress(progress)`) during an attempt. */
export type JobProgressEvent = { job: Job; attempt: number; progress: unknown };
/**
 * A stateful handler returned `ctx.wait(…)`: the job went back to the queue, keeping its place on
 * its keys, and its handler is called again once `wakeAt` (ms since epoch) is due. Published
 * after the queue stored the sleep; `attempt` is the call's attempt number.
 */
export type JobWaitingEvent = { job: Job; wakeAt: number; reason?: string; attempt: number };
/** See {@link QueueEventTypes.JOB_AVAILABLE}. */
export type JobAvailableEvent = { jobId?: string; documentId?: string };

/** Payload of each bus event code. */
export type EventPayloads = {
  [EventTypes.JOB_AVAILABLE]: JobAvailableEvent;
  [EventTypes.JOB_STARTED]: JobStartedEvent;
  [EventTypes.JOB_COMPLETED]: JobCompletedEvent;
  [EventTypes.JOB_RETRY]: JobRetryEvent;
  [EventTypes.JOB_FAILED]: JobFailedEvent;
  [EventTypes.EXECUTOR_STARTED]: ExecutorStartedEvent;
  [EventTypes.EXECUTOR_STOPPED]: ExecutorStoppedEvent;
  [EventTypes.FATAL_ERROR]: FatalErrorEvent;
  [EventTypes.JOB_PROGRESS]: JobProgressEvent;
  [EventTypes.JOB_WAITING]: JobWaitingEvent;
};

/** Names accepted by `manager.on(name, handler)`, mapped to their codes. */
export const ExecutorEventNames = Object.freeze({
  jobStarted: JobExecutorEventTypes.JOB_STARTED,
  jobCompleted: JobExecutorEventTypes.JOB_COMPLETED,
  jobRetry: JobExecutorEventTypes.JOB_RETRY,
  jobFailed: JobExecutorEventTypes.JOB_FAILED,
  executorStarted: JobExecutorEventTypes.EXECUTOR_STARTED,
  executorStopped: JobExecutorEventTypes.EXECUTOR_STOPPED,
  fatalError: JobExecutorEventTypes.FATAL_ERROR,
  jobProgress: JobExecutorEventTypes.JOB_PROGRESS,
  jobWaiting: JobExecutorEventTypes.JOB_WAITING,
} as const);
export type ExecutorEventName = keyof typeof ExecutorEventNames;
/** Payload delivered to `manager.on(name, handler)`. */
export type ExecutorEventPayload<N extends ExecutorEventName> =
  EventPayloads[(typeof ExecutorEventNames)[N]];

/**
 * Names accepted by `reactor.on(name, handler)`: the executor's events plus the queue's
 * `jobAvailable` hint. Events are published on this process's bus: a handler sees what this
 * process does (and, for `jobAvailable`, the wake-ups its storage receives), not other processes.
 */
export const ReactorEventNames = Object.freeze({
  ...ExecutorEventNames,
  jobAvailable: QueueEventTypes.JOB_AVAILABLE,
} as const);
export type ReactorEventName = keyof typeof ReactorEventNames;
/** Payload delivered to `reactor.on(name, handler)`. */
export type ReactorEventPayload<N extends ReactorEventName> =
  EventPayloads[(typeof ReactorEventNames)[N]];
/** A handler of `reactor.on(name, handler)`. */
export type ReactorEventHandler<N extends ReactorEventName> = (
  payload: ReactorEventPayload<N>,
) => void;
