/**
 * The ports: what the runtime needs from storage and messaging, independently of the backend.
 * Every adapter (memory, sqlite, postgres) implements these and passes the conformance suite in
 * `test/conformance/`.
 * @module
 */
import type { Clock } from '../clock.js';
import type { EventPayloads } from '../events.js';
import type { Action, HandlerJobInput, Job, JobInput, LaneRef, Operation } from '../types.js';
import type { LanesPage, LanesQuery, QueueOverview } from './lanes-view.js';

// ─── Queue ─────────────────────────────────────────────────────────────────────────────────────

/** A claimed job and the token that proves the claim. `job.attempts` counts this claim's attempt. */
export type Claim = { job: Job; token: string };

/** Identifies a claim in `complete` / `fail` / `release`. */
export type ClaimRef = { jobId: string; token: string };

/** Number of jobs per status. */
export type QueueCounts = { pending: number; running: number; completed: number; failed: number };

/** How a claim ended unsuccessfully. */
export type JobFailure = {
  /** Attempts used, to store on the job. */
  attempts: number;
  errorCode: number;
  errorMessage: string;
  /** Keep the job's lanes blocked until `retry` or `skip` (lane failure policy `halt`). */
  halt?: boolean;
};

/**
 * How a stateful handler job goes to sleep (README: Handler jobs, "Stateful handlers"): back to
 * `PENDING` in its lane place, like `release`, with `runAt` = `wakeAt`.
 */
export type JobSleep = {
  /** Attempts to store: 0, a wake-up starts its retries afresh (README: Handler jobs). */
  attempts: number;
  /** When the job may be claimed again, ms since epoch (stored as its `runAt`). */
  wakeAt: number;
};

/**
 * How a claim goes back to pending (`release`). `outcomeUnknown`: an attempt of the claim failed
 * with its write's outcome unknown (`JobError.outcomeUnknown`: its operations may be stored) and
 * none learned the outcome since. The queue stores the flag on the job and keeps it through later
 * releases (with or without it), sleeps and reaps, every later claim hands it out as
 * `job.outcomeUnknown: true`, and `complete` / `fail` clear it. The runtime then retries the
 * job's retryable failures past `maxRetries` until an attempt learns the outcome, and a reaper
 * returns a stalled flagged job to pending whatever its attempts (README: Semantics, "Retries").
 */
export type ReleaseOptions = { outcomeUnknown?: boolean };

/** A lane held by a job that failed under the `halt` policy. */
export type BlockedLane = LaneRef & { jobId: string; errorCode?: number; errorMessage?: string };

/**
 * The job queue. Contract, for every backend:
 * - `enqueue` takes the input through `prepareJobInput` (throwing `JobValidationError`, storing
 *   nothing) and stores that detached copy, never the caller's objects; it assigns the job its
 *   place in a total enqueue order, and publishes `jobAvailable` on the bus.
 * - `claim(runnerId, limit)` returns at most `limit` jobs, oldest first, each of which is the
 *   oldest unfinished job in **every** one of its lanes, is `PENDING`, and is due (`runAt` ≤ now).
 *   One head per lane is taken before the limit applies, so a busy lane never starves a ready one.
 *   Claimed jobs become `RUNNING`, their attempt count goes up by one, and they hold all their
 *   lanes until completed, failed or released.
 * - `complete` / `fail` / `release` need the claim's token; a stale token (another claim, the
 *   job reaped, or the claim ended another way) is refused with `StaleClaimError` and changes
 *   nothing. Ending a claim again the same way with its token (a second `complete`, `fail` or
 *   `release`, e.g. a retry after a call that took effect but whose answer was lost) is a no-op
 *   success, until the job is claimed again, reaped or retried. So the runtime can retry the end
 *   of a claim safely, and a stale answer to a retry means the claim is really lost.
 * - `release` puts the job back to `PENDING` in the same place in its lanes (it stays the head).
 *   `sleep` does the same with a `runAt` (a stateful handler's `ctx.wait`): the job keeps heading
 *   its lanes while not due, so no later job of its lanes is claimed before it has run again.
 *   A repeated `sleep` or `release` with the same token is the same no-op success. A `release`
 *   with `{ outcomeUnknown: true }` also flags the job, until it completes or fails
 *   ({@link ReleaseOptions}).
 * - `saveCheckpoint` stores a handler job's checkpoint under the claim's token while it runs
 *   (`StaleClaimError` otherwise, storing nothing); the job keeps it across sleeps, releases and
 *   reaps, and every later claim of the job hands it out as `job.checkpoint`.
 * - Claim calls are named: the runtime passes `request`, unique per call (a queue picks one when
 *   it is missing), and a claim call whose answer was lost (it failed, perhaps after its effect)
 *   is recovered with `reclaim(runnerId, request)`, which hands back the claims it made that
 *   still hold their jobs. So a lost answer never leaves a job `RUNNING` under a claim nobody
 *   knows (heartbeated for ever by a durable queue, never reaped).
 */
export interface IQueue {
  enqueue(input: JobInput | HandlerJobInput): Promise<Job>;
  /** All or nothing: one invalid input rejects the whole batch. */
  enqueueMany(inputs: (JobInput | HandlerJobInput)[]): Promise<Job[]>;
  claim(runnerId: string, limit: number, request?: string): Promise<Claim[]>;
  /**
   * Optional (lane batching). Claims the head job of one lane when it is claimable now: the same
   * conditions and effects as `claim` of that one job (`PENDING`, the oldest unfinished job in
   * every one of its lanes, due; it becomes `RUNNING`, its attempt count goes up by one, and it
   * holds its lanes). Resolves to undefined when the lane is empty or its head is not claimable
   * (running, waiting behind another lane, not due, halted). It does not honour `claim`'s oldest-
   * first order across lanes: the runtime calls it right after a job of the lane finished, to run
   * the lane's next job on the concurrency slot just freed, at most `laneBatchSize` jobs in a row.
   * A runtime falls back to `claim` when a queue lacks it.
   */
  claimLane?(runnerId: string, lane: LaneRef, request?: string): Promise<Claim | undefined>;
  /**
   * Optional (a runtime falls back to the reaper, or to nothing on a queue without one). The claims
   * that the `claim` or `claimLane` call of `runnerId` named `request` made and that still hold
   * their jobs (`RUNNING` under the token that call handed out), with the same jobs and tokens the
   * lost answer had; `[]` when the call took no effect or its claims ended since. Changes nothing
   * stored; a durable queue heartbeats the claims it hands back. Safe to call any number of times.
   */
  reclaim?(runnerId: string, request: string): Promise<Claim[]>;
  /**
   * `output`: a handler job's return value (JSON data), stored with the job and reported by `get`
   * once it is `COMPLETED` (README: Handler jobs). Document jobs pass none.
   */
  complete(ref: ClaimRef, attempts: number, output?: unknown): Promise<void>;
  fail(ref: ClaimRef, failure: JobFailure): Promise<void>;
  /**
   * Back to pending, keeping its place; `attempts` is stored (an aborted attempt is not counted).
   * With `options.outcomeUnknown` the job is flagged (see {@link ReleaseOptions}). A custom queue
   * written for the 2-argument call keeps working, without that protection.
   */
  release(ref: ClaimRef, attempts: number, options?: ReleaseOptions): Promise<void>;
  /**
   * Back to pending, keeping its place, not due before `sleep.wakeAt` (README: Handler jobs,
   * "Stateful handlers"); publishes `jobAvailable` (a process may wait for the new `runAt`).
   */
  sleep(ref: ClaimRef, sleep: JobSleep): Promise<void>;
  /**
   * Stores `checkpoint` (JSON data, `null` clears it) on the job the claim holds, replacing the
   * last one; `StaleClaimError` when the claim no longer holds the job.
   */
  saveCheckpoint(ref: ClaimRef, checkpoint: unknown): Promise<void>;
  /**
   * Optional (durable queues, whose storage heartbeats its claims): records a heartbeat on this
   * one claim now, beside the storage's periodic one; `StaleClaimError` when the claim no longer
   * holds its job (reaped, say), so long work learns it lost the job. `ctx.heartbeat()` calls it.
   */
  touch?(ref: ClaimRef): Promise<void>;
  /**
   * Optional (durable queues, whose storage heartbeats its claims and has a reaper): stops
   * heartbeating the claim, so that the reaper returns its job to pending after the stalled
   * threshold. The runtime calls it when it gave up writing the claim's end (the queue kept
   * failing); it changes nothing stored. A queue without it has no reaper: the runtime then keeps
   * retrying the end while it runs (see README, Semantics).
   */
  abandon?(ref: ClaimRef): void;
  get(jobId: string): Promise<QueuedJob | undefined>;
  counts(): Promise<QueueCounts>;
  /** Jobs not finished and not running. */
  backlog(): Promise<number>;
  /** Earliest `runAt` among lane heads not yet due, so a runner can wake up for it. */
  nextRunAt(): Promise<number | undefined>;
  /** Lanes held by jobs that failed under the `halt` policy. */
  blockedLanes(): Promise<BlockedLane[]>;
  /** A halted failed job goes back to pending in its place, attempts reset. */
  retry(jobId: string): Promise<void>;
  /** A halted failed job stops blocking its lanes (it stays failed). */
  skip(jobId: string): Promise<void>;
  /** Removes a pending job (e.g. a scheduled one); false when it is not pending. */
  cancel(jobId: string): Promise<boolean>;
  /** Optional (operations view, README: Dashboard): counts, oldest pending, blocked lanes. */
  overview?(): Promise<QueueOverview>;
  /**
   * Optional (operations view): one page of the lanes holding unfinished or halted jobs, oldest
   * head first, each with its backlog and head job. Throws a `RangeError` on a bad page.
   */
  lanes?(query?: LanesQuery): Promise<LanesPage>;
  close(): Promise<void>;
}

/** A job as the queue reports it, with how it ended. */
export type QueuedJob = Job & {
  finishedAt?: number;
  lastError?: { code: number; message: string };
  /** Failed under the `halt` policy and still blocking its lanes. */
  halted?: boolean;
  /** A completed handler job's return value, when it returned one. */
  output?: unknown;
};

// ─── Operation store ───────────────────────────────────────────────────────────────────────────

/** The state of one lane at `index` (its head); `index` is -1 for an empty lane. */
export type LaneSnapshot = { index: number; state: unknown; hash: string };

/** The write to one lane inside an atomic append. */
export type LaneWrite = {
  scope: string;
  /** Index of the lane's last operation the writer saw (-1: empty). */
  expectedHead: number;
  /** May be empty: the lane is then only checked (a read fence). */
  operations: Operation[];
  /** State after the operations, stored as the lane's snapshot. */
  snapshot?: { state: unknown; hash: string };
};

/** One atomic write of a job's operations across its lanes. */
export type AppendRequest = {
  documentId: string;
  branch: string;
  lanes: LaneWrite[];
  /**
   * The claim the write belongs to: the store completes it in the same transaction (see
   * {@link IOperationStore}), storing `attempts` on the job when given (else the claim's count).
   */
  claim?: AppendClaim;
  /** Checked right before commit: an aborted signal writes nothing and throws its reason. */
  signal?: AbortSignal;
};

/** The claim an append completes: its ref, and the attempts to store on the job. */
export type AppendClaim = ClaimRef & { attempts?: number };

/** An operation located in its lane of a document and branch: `findOperations` looks these up. */
export type OperationRef = { scope: string; id: string };

export type AppendResult = {
  operations: Operation[];
  /** True when every operation was already stored (a re-run): nothing was written. */
  replayed: boolean;
};

/**
 * The operation store. Contract, for every backend:
 * - each lane's operations are contiguous from index 0;
 * - operation ids are unique per lane (documentId, scope, branch), not across lanes: the same id
 *   may be stored in two lanes (the id formula can give one id to actions of two lanes, see
 *   `operationId`), and an operation of another lane is never taken for this one's;
 * - `append` is atomic across lanes: if every operation is already stored in its lane (by id) it
 *   returns the stored operations with `replayed: true` and writes nothing; else if any lane's
 *   head differs from `expectedHead` it throws `WriteConflictError` and writes nothing; else it
 *   writes everything (an id already stored in its lane, or given twice for one lane, makes the
 *   request malformed: an `Error`, nothing written);
 * - with `request.claim`, the append also completes that claim (as `IQueue.complete` would, storing
 *   `claim.attempts`) in the same atomic step: the operations and the completion are stored
 *   together or not at all. A replay completes it too. A stale claim (another claim holds the
 *   job, it was reaped, or it ended another way) throws `StaleClaimError` and writes nothing,
 *   before any other check. The queue's `complete` with that token afterwards is then a no-op
 *   success (a repeated end), which a queue may answer without I/O. A store that shares no
 *   backend with the queue (a `MemoryOperationStore` made on its own, a custom store) may ignore
 *   `claim`: the runtime always ends the claim with `queue.complete` after the append;
 * - snapshots and operations returned are never mutated by the store afterwards, and callers must
 *   not mutate them either.
 */
export interface IOperationStore {
  getOperations(
    documentId: string,
    scope: string,
    branch: string,
    fromIndex?: number,
  ): Promise<Operation[]>;
  /** Index of the lane's last operation, -1 when empty. */
  getHead(documentId: string, scope: string, branch: string): Promise<number>;
  /** The latest stored snapshot of the lane, or undefined when the lane is empty. */
  getSnapshot(documentId: string, scope: string, branch: string): Promise<LaneSnapshot | undefined>;
  /**
   * For idempotent replay: one element per ref, in the order of `refs`, the operation stored
   * with `ref.id` in the lane (`documentId`, `ref.scope`, `branch`), or undefined when that lane
   * holds no such id (another lane's operation with the same id does not match).
   */
  findOperations(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): Promise<(Operation | undefined)[]>;
  append(request: AppendRequest): Promise<AppendResult>;
  close(): Promise<void>;
}

// ─── Event bus ─────────────────────────────────────────────────────────────────────────────────

export type EventHandler<T = unknown> = (payload: T, type: number) => unknown;

/**
 * Publish/subscribe by numeric event type. `publish` is synchronous and never waits for a
 * subscriber's async work; a subscriber that throws (or rejects) affects neither publishing nor
 * other subscribers.
 */
export interface IEventBus {
  subscribe<K extends keyof EventPayloads>(
    type: K,
    handler: EventHandler<EventPayloads[K]>,
  ): () => void;
  subscribe(type: number, handler: EventHandler): () => void;
  publish<K extends keyof EventPayloads>(type: K, payload: EventPayloads[K]): void;
  publish(type: number, payload: unknown): void;
  /**
   * Optional: how many handlers, anywhere, hear events of `type`. Given, a publisher may skip an
   * event nobody hears, and the building of its payload (README: Performance). Only a bus that
   * sees all its handlers implements it: one that carries events to other processes does not.
   */
  listenerCount?(type: number): number;
}

// ─── Sync and authorization hooks ──────────────────────────────────────────────────────────────

/** Where missing history comes from on the fatal path (HASH_MISMATCH, REBASE_FAILED). */
export interface ISyncSource {
  /**
   * Operations of the given lanes from index `fromIndex` on that a remote has and the local store
   * lacks, in index order per lane.
   */
  pull(request: {
    documentId: string;
    branch: string;
    lanes: { scope: string; fromIndex: number }[];
  }): Promise<{ scope: string; operations: Operation[] }[]>;
}

/**
 * Decides whether an action may be applied; deny by returning false (or throwing). It is asked
 * only after the action's signature verified, and `signer` is then the signer's public key in its
 * one canonical encoding (standard padded base64 of the 44-byte Ed25519 SPKI DER), so it can be
 * compared as a string; it is absent for an unsigned action.
 */
export interface IAuthorizer {
  authorize(request: { job: Job; action: Action; signer?: string }): boolean | Promise<boolean>;
}

// ─── Schedule store ────────────────────────────────────────────────────────────────────────────

/** A recurring schedule as stored: plain JSON, so a durable adapter can keep it in one row. */
export type ScheduleRecord = {
  id: string;
  /** Cron pattern in croner's syntax (5, 6 or 7 fields, or a nickname such as `@daily`). */
  cron: string;
  /** IANA time zone the pattern is read in. */
  timezone: string;
  /**
   * The job input each tick enqueues. Absent when the schedule's job is a function: only a process
   * that registered the function can run such a schedule.
   */
  job?: JobInput;
  /** When the schedule was first saved, ms since epoch. */
  createdAt: number;
  /** Ticks at or before this instant never run: the schedule's creation, or its pattern's last change. */
  since: number;
  /** When the record was last saved; a change tells other processes to reload it. */
  updatedAt: number;
};

/**
 * Where recurring schedules and their claimed ticks live. Contract, for every backend:
 * - `save` inserts the schedule, or replaces the one with the same id; a replaced schedule keeps
 *   its claimed ticks, so registering it again after a restart does not run old ticks again.
 * - `get` and `list` return copies (changing them changes nothing stored); `list` orders by
 *   `createdAt`, then `id`.
 * - `delete` removes the schedule and its ticks; true when it existed.
 * - `claimTick(scheduleId, tickAt)` is atomic across every process sharing the store: it returns
 *   true for exactly one caller per schedule and tick, and records `tickAt` as the schedule's last
 *   tick. It returns false when the schedule does not exist, or when that tick or a later one was
 *   claimed already (ticks are claimed in increasing order: a late claim of an older tick loses).
 *   Durable adapters can do it in one statement, `UPDATE … SET last_tick = $2 WHERE id = $1 AND
 *   (last_tick IS NULL OR last_tick < $2)`, claimed when one row changed; or with a unique key on
 *   (schedule id, tick) plus the same ordering check, or an advisory lock.
 * - `lastTick(scheduleId)` is the latest claimed tick (ms since epoch), undefined when none was
 *   claimed or the schedule does not exist.
 * The store does not own a connection of its own: a durable `Storage` shares its backend's.
 */
export interface IScheduleStore {
  save(schedule: ScheduleRecord): Promise<void>;
  get(scheduleId: string): Promise<ScheduleRecord | undefined>;
  list(): Promise<ScheduleRecord[]>;
  delete(scheduleId: string): Promise<boolean>;
  claimTick(scheduleId: string, tickAt: number): Promise<boolean>;
  lastTick(scheduleId: string): Promise<number | undefined>;
}

// ─── Storage ───────────────────────────────────────────────────────────────────────────────────

/** What a storage factory receives from `createReactor`. */
export type StorageContext = {
  bus: IEventBus;
  clock: Clock;
  /** This process's runner id (claims, heartbeats). */
  runnerId: string;
  /**
   * Retries of a job without its own `maxRetries`: the reaper fails a stalled claim whose job has
   * used more attempts than this, instead of returning it to pending. `createReactor` passes its
   * `config.maxRetries`; a storage option of the same name wins. @default 3
   */
  maxRetries?: number;
  /**
   * Receives the errors of the storage's background work (polling, heartbeats, the reaper,
   * LISTEN): `createReactor` passes its `onError`; a storage option of the same name wins.
   * @default console.error
   */
  onError?: (error: unknown) => void;
};

/**
 * A queue and an operation store that share one backend, plus its lifecycle. Every built-in
 * storage (memory, SQLite, PostgreSQL) completes a claim inside `store.append` when the request
 * carries it (same transaction); the runtime's later `queue.complete` with the same token is then
 * a no-op success (as for any claim ended again the same way, see `IQueue`). The document
 * executor passes the claim of the attempt it runs.
 */
export type Storage = {
  queue: IQueue;
  store: IOperationStore;
  /** Durable adapters: returns stalled claims of dead runners to pending (see README, Semantics). */
  reaper?: { reap(): Promise<number> };
  /** Durable adapters: recurring schedules kept in the same backend. @default a MemoryScheduleStore */
  scheduleStore?: IScheduleStore;
  /** Starts background work (LISTEN, heartbeats, reaper); called by `reactor.start()`. */
  start?(): Promise<void>;
  /** Stops background work and closes connections. */
  close(): Promise<void>;
};
