/**
 * The machine protocol: every event that passes between the runtime, the supervisor and the lanes,
 * in one place (README: How it is built).
 *
 * One spelling per verb. A **command** asks for something and is imperative (`slot.request`,
 * `job.assign`, `lane.release`, `jobs.claim`); a **fact** reports what happened and is in the past
 * tense (`slot.granted`, `job.completed`, `claim.done`, `slots.released`). An event keeps its name
 * on every hop: a lane's `slot.request` is the event the supervisor receives, the supervisor's
 * `slot.granted` and `lane.release` / `lane.abort` are the events the lanes receive.
 *
 * Flow of one job: supervisor `jobs.claim` → runtime claims → `claim.done` → supervisor
 * `claims.dispatch` → runtime `job.assign` → lane (`slot.request` → `slot.granted` for a retry)
 * → `attempt.done` / `attempt.failed` → lane `job.completed` / `job.failed` / `job.released` /
 * `job.waiting` →
 * runtime writes the outcome → `slots.released` (batched) → supervisor `jobs.claim` again.
 * @module
 */
import type { Claim } from '../adapters/ports.js';
import type { JobError } from '../errors.js';
import type { Job, JobExecutionConfig, JobResult, JobWait } from '../types.js';

/**
 * Per-job settings, resolved by the runtime from the executor options and the job (a job's own
 * `maxRetries` wins). The one run-config shape: the lane machine reads it, and the executor
 * receives the same (frozen) object as its `JobExecutionConfig`. The executor options
 * (`ResolvedExecutorOptions`) stay a type of their own: they are the public configuration, and
 * hold what no job reads (concurrency, lane batching, retention).
 */
export type JobRunConfig = Readonly<
  Required<JobExecutionConfig> & {
    /** An `ISyncSource` is configured: the fatal path syncs and re-applies once. */
    syncEnabled: boolean;
  }
>;

/** The lane's next claimed job, with its run config (it holds the slot the finished job held). */
export type NextJob = { claim: Claim; config: JobRunConfig };

// ─── Runtime → lane ──────────────────────────────────────────────────────────────────────────────

/** Graceful stop: give the job back to the queue at the next safe point. */
export type LaneReleaseCommand = { type: 'lane.release'; laneKey?: string };
/** Hard stop: abort the running attempt, then give the job back. */
export type LaneAbortCommand = { type: 'lane.abort'; laneKey?: string };

export type LaneEvent =
  /** Command: run this claimed job (it holds a concurrency slot). */
  | { type: 'job.assign'; claim: Claim; config: JobRunConfig }
  /** Fact: the supervisor granted the slot this lane's `slot.request` asked for. */
  | { type: 'slot.granted'; laneKey?: string }
  /**
   * Fact: the attempt with `token` succeeded and its outcome is written and published. `next`,
   * when the slot runs the lane's next job at once (lane batching): the lane takes it in the same
   * step, one lane event per job.
   */
  | { type: 'attempt.done'; token: number; result: JobResult; next?: NextJob }
  /** Fact: the attempt with `token` threw, or returned a failed result. */
  | { type: 'attempt.failed'; token: number; error: JobError; result?: JobResult }
  | { type: 'sync.done' }
  | { type: 'sync.failed'; error: JobError }
  | LaneReleaseCommand
  | LaneAbortCommand;

// ─── Lane → runtime ──────────────────────────────────────────────────────────────────────────────

export type LaneEmitted =
  | { type: 'job.started'; job: Job; attempt: number; startedAt: number }
  /** Fact: the attempt failed and a retry is scheduled after `delay` ms; the slot is freed. */
  | { type: 'retry.scheduled'; job: Job; error: JobError; retryCount: number; delay: number }
  | { type: 'job.completed'; job: Job; claimToken: string; attempts: number; result: JobResult }
  | {
      type: 'job.failed';
      job: Job;
      claimToken: string;
      attempts: number;
      error: JobError;
      result: JobResult | undefined;
      fatal: boolean;
      synced: boolean;
      /** When the last attempt started. */
      startedAt: number;
    }
  /**
   * Fact: the job goes back to the queue (stop); `heldSlot` says whether it held a slot;
   * `outcomeUnknown`, whether a write of it may be stored (stored with the job by the release).
   */
  | {
      type: 'job.released';
      job: Job;
      claimToken: string;
      attempts: number;
      heldSlot: boolean;
      outcomeUnknown: boolean;
    }
  /**
   * Fact: a stateful handler returned `ctx.wait`; the job goes back to the queue asleep until
   * `wait.wakeAt`, keeping its lane place (README: Handler jobs). It held a slot.
   */
  | { type: 'job.waiting'; job: Job; claimToken: string; attempts: number; wait: JobWait }
  /** Command to the supervisor, forwarded as is: a retry needs a concurrency slot. */
  | SlotRequestCommand
  /** Fact: the lane has no job in hand any more. */
  | { type: 'lane.idle'; laneKey: string };

export type SlotRequestCommand = { type: 'slot.request'; laneKey: string };

// ─── Runtime → supervisor ────────────────────────────────────────────────────────────────────────

export type SupervisorEvent =
  | { type: 'start'; capacity: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop'; graceful: boolean }
  /** Fact: new work may be claimable (the bus's `jobAvailable`, a wake-up timer). */
  | { type: 'jobs.available' }
  /** Fact: the claim the supervisor asked for returned these claims. */
  | { type: 'claim.done'; claims: Claim[] }
  /** Fact: the claim failed (the runtime has reported the error). */
  | { type: 'claim.failed'; error: unknown }
  | SlotRequestCommand
  /** Fact, batched: `slots` concurrency slots freed, `jobs` claimed jobs settled. */
  | { type: 'slots.released'; slots: number; jobs: number };

// ─── Supervisor → runtime ────────────────────────────────────────────────────────────────────────

export type SupervisorEmitted =
  | { type: 'executor.started'; capacity: number }
  | { type: 'executor.stopped'; graceful: boolean }
  /** Command: claim up to `limit` jobs (that many slots are reserved), answer `claim.done`. */
  | { type: 'jobs.claim'; limit: number }
  /** Command: hand these claims to their lanes (each holds a slot). */
  | { type: 'claims.dispatch'; claims: Claim[] }
  /** Command: give these claims back unstarted (no new attempt may start). */
  | { type: 'claims.return'; claims: Claim[] }
  /** Fact, forwarded to the lane: it may start its attempt. */
  | { type: 'slot.granted'; laneKey: string }
  /** Command, forwarded to the lanes holding jobs (or only to `laneKey`). */
  | LaneReleaseCommand
  | LaneAbortCommand
  /** Command: a claim failed while work is wanted; claim again after the retry delay. */
  | { type: 'claim.retry' };
