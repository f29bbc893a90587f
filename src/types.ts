/**
 * The job domain: actions, operations, jobs and results (README: Semantics).
 * @module
 */
import type { JobError } from './errors.js';

/** Signature of an action by its author: Ed25519 over the action's signing payload. */
export type ActionSigner = {
  /** The signer's Ed25519 public key: standard padded base64 of its 44-byte SPKI DER encoding. */
  publicKey: string;
  /** Ed25519 signature over `signingPayload(action, { documentId, branch })`: standard padded base64 of its 64 bytes. */
  signature: string;
};

/** One change a user asks for, in one scope of a document. */
export type Action = {
  id: string;
  type: string;
  scope: string;
  input: unknown;
  /** ISO-8601 timestamp string (the name is historical). */
  timestampUtcMs: string;
  /**
   * `signer`: an Ed25519 {@link ActionSigner}; another scheme's signer (such as Powerhouse's
   * `{ user, app, signatures }`) is stored as it is and left to the reactor's `verifier`.
   */
  context?: { signer?: ActionSigner };
};

/** An applied action: position `index` in its (document, scope, branch) stream. */
export type Operation = {
  /** Hex SHA-1 of `${documentId}:${scope}:${branch}:${action.id}`, first 32 characters. */
  id: string;
  /** Contiguous from 0 within the lane. */
  index: number;
  skip: number;
  /** State hash of the scope after this operation. */
  hash: string;
  timestampUtcMs: string;
  action: Action;
  /**
   * Set when the reducer rejected the action and its model records rejections
   * (`onReducerError: 'record'`): the reducer's message. The operation holds its index, but
   * changed nothing: `hash` is the hash of the state before it (see README, Semantics).
   */
  error?: string;
};

/** A lane: the unit of ordering. */
export type LaneRef = { documentId: string; scope: string; branch: string };

/** Lifecycle status of a job in the queue. */
export const JobStatus = Object.freeze({
  /** Queued, not running (also: waiting for `runAt`, or returned to the queue). */
  PENDING: 'PENDING',
  /** Claimed by a runner: an attempt runs or the job waits to be retried. */
  RUNNING: 'RUNNING',
  /** Finished successfully. */
  COMPLETED: 'COMPLETED',
  /** Finished unsuccessfully for good. */
  FAILED: 'FAILED',
} as const);
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** What a user submits; the queue turns it into a {@link Job}. */
export type JobInput = {
  /** Optional id; the queue generates one when absent. Must be unique. */
  id?: string;
  documentId: string;
  /** Lanes the job occupies: every scope its actions touch. Non-empty, no duplicates. */
  scopes: string[];
  /** @default 'main' */
  branch?: string;
  actions: Action[];
  /** Expected state hash after the job (README: Semantics, "Execution of one job"). */
  resultingHash?: string;
  /** Retries after the first attempt; overrides the manager's `maxRetries`. */
  maxRetries?: number;
  /** Not claimable before this time (ms since epoch); the job keeps its lane place meanwhile. */
  runAt?: number;
  /** Free-form data carried along (JSON-serialisable for durable adapters). */
  meta?: Record<string, unknown>;
  /**
   * Present on a handler job's prepared copy, which has the shape of a {@link HandlerJobInput}
   * (no document fields): the queue's `enqueue` takes either kind.
   */
  handler?: string;
};

/**
 * A handler job as a user submits it (README: Handler jobs): run the handler registered as
 * `handler` with `input`. Jobs sharing a key run one at a time in enqueue order (also across
 * retries); a job with several keys holds all of them; a job without keys runs beside any other,
 * bounded only by `maxConcurrency`.
 */
export type HandlerJobInput = {
  /** Optional id; the queue generates one when absent. Must be unique. */
  id?: string;
  /** The type the handler was registered under (`reactor.registerHandler`). */
  handler: string;
  /** JSON data handed to the handler. @default null */
  input?: unknown;
  /** Ordering keys: non-empty identifiers, no duplicates. @default [] */
  keys?: string[];
  /** Retries after the first attempt; overrides the manager's `maxRetries`. */
  maxRetries?: number;
  /** Not claimable before this time (ms since epoch); the job keeps its key places meanwhile. */
  runAt?: number;
  /** Free-form data carried along (JSON data). */
  meta?: Record<string, unknown>;
};

/** A job as stored by the queue. */
export type Job = {
  id: string;
  documentId: string;
  scopes: string[];
  branch: string;
  actions: Action[];
  resultingHash?: string;
  status: JobStatus;
  /** Enqueue time, ms since epoch. */
  createdAt: number;
  /** Attempts started so far (a claim starts one). */
  attempts: number;
  maxRetries?: number;
  runAt?: number;
  meta?: Record<string, unknown>;
  /**
   * Handler jobs only: the handler type, its input and its ordering keys. A handler job has no
   * document: its `documentId` is `''` and its lanes are its keys (README: Handler jobs).
   */
  handler?: string;
  input?: unknown;
  keys?: string[];
  /**
   * Stateful handler jobs: the last value saved with `ctx.checkpoint.save` (JSON data), as the
   * claim read it; absent before any save (README: Handler jobs, "Stateful handlers").
   */
  checkpoint?: unknown;
  /**
   * Set by the queue, never by an enqueue: an earlier attempt's write may be stored, its outcome
   * unknown (the append failed after it may have committed and the lookup could not tell), and
   * the job was released before an attempt learned the outcome. The runtime then retries its
   * retryable failures past `maxRetries` until one does (README: Semantics, "Retries").
   */
  outcomeUnknown?: true;
};

/**
 * A stateful handler's request to sleep (what `ctx.wait` returns and the handler returns in turn):
 * the job goes back to the queue in its lane place, not claimable before `wakeAt` (ms since epoch),
 * and its handler is called again then (README: Handler jobs, "Stateful handlers").
 */
export type JobWait = { wakeAt: number; reason?: string };

/** Outcome of executing a job. */
export type JobResult = {
  job: Job;
  success: boolean;
  /** ISO timestamp. */
  completedAt: string;
  /** Duration of the (last) attempt in ms. */
  duration: number;
  /** Operations written (or found already written, on a replay); empty on failure. */
  operations: Operation[];
  metadata?: Record<string, unknown>;
  errorCode?: number;
  errorMessage?: string;
  /** The error as an object, when `success` is false. */
  error?: JobError;
  /**
   * Handler jobs that succeeded: what the handler returned, as JSON data (stored with the job,
   * at most `HANDLER_LIMITS.maxOutputBytes`); absent when it returned `undefined`.
   */
  output?: unknown;
  /**
   * Stateful handler jobs: the handler returned `ctx.wait(…)`. With `success: true`, the job
   * sleeps until `wait.wakeAt` instead of completing (README: Handler jobs, "Stateful handlers").
   */
  wait?: JobWait;
};

/** Per-execution configuration (timeout and retries of one job). */
export type JobExecutionConfig = {
  maxRetries?: number;
  jobTimeout?: number;
  retryBaseDelay?: number;
  retryMaxDelay?: number;
};

/** The attempt an executor runs, as the runtime hands it over (the 4th argument of `execute`). */
export type AttemptContext = {
  /**
   * The queue's claim the attempt runs under. An executor that writes through the storage's
   * `IOperationStore` may pass it with `attempts` as `AppendRequest.claim`, so that the write and
   * the end of the claim commit together; the runtime still ends the claim with
   * `queue.complete` afterwards (then a no-op success, see `IQueue`).
   */
  claim: { jobId: string; token: string };
  /** Attempts used once this one succeeds: what `queue.complete` stores on the job. */
  attempts: number;
  /**
   * Fires on timeout (TIMEOUT) and on a hard stop (GRACEFUL_ABORT), the same signal as the 3rd
   * argument. Created when first read: an executor that never reads it costs no `AbortController`
   * (see `IJobExecutor.attemptSignal`).
   */
  readonly signal: AbortSignal;
};

/**
 * Executes one job: apply its actions and write the operations (README: Semantics, "Execution of
 * one job").
 */
export interface IJobExecutor {
  /**
   * The executor reads its signal from `attempt.signal` (created when first read), not from the
   * 3rd argument, which is then `undefined`: an executor that never reads it costs no
   * `AbortController`. Without it the 3rd argument is always a real signal. @default false
   */
  readonly attemptSignal?: boolean;
  /**
   * Executes `job` once. Failures are returned as a `JobResult` with `success: false` and a
   * `JobError`; a throw is classified like a store error. When `signal` is aborted before the
   * write commits, nothing is written and the result carries TIMEOUT or GRACEFUL_ABORT.
   * `attempt` (the runtime always passes it; an executor may ignore it) names the claim.
   */
  execute(
    job: Job,
    config?: JobExecutionConfig,
    signal?: AbortSignal,
    attempt?: AttemptContext,
  ): Promise<JobResult>;
}
