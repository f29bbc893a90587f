/**
 * The SQLite job queue: jobs in a table, lane order kept by `job_lanes` and a `blockers` count.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Database, Transaction } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { JobValidationError, StaleClaimError } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import { laneKey } from '../../lane-key.js';
import type { HandlerJobInput, Job, JobInput, LaneRef } from '../../types.js';
import { prepareJobInput, prepareJobInputs, toJob } from '../../validate-job.js';
import type { LanesPage, LanesQuery, QueueOverview } from '../lanes-view.js';
import type {
  AppendClaim,
  BlockedLane,
  Claim,
  ClaimRef,
  IEventBus,
  IQueue,
  JobFailure,
  JobSleep,
  QueueCounts,
  QueuedJob,
  ReleaseOptions,
} from '../ports.js';
import { JobLanes } from './job-lanes.js';
import { type JobLanesRow, type JobRow, jobFromRow, queuedJobFromRow } from './job-row.js';
import { SqliteLanesView } from './sqlite-lanes-view.js';
import { SqliteWriteBatcher } from './sqlite-write-batcher.js';
import { claimJobs } from './statements/claim-jobs.js';
import { claimLane } from './statements/claim-lane.js';
import { completeJob } from './statements/complete-job.js';
import { countBacklog } from './statements/count-backlog.js';
import { countJobs } from './statements/count-jobs.js';
import { deletePendingJob } from './statements/delete-pending-job.js';
import { endedClaim } from './statements/ended-claim.js';
import { failJob } from './statements/fail-job.js';
import { heartbeatClaims } from './statements/heartbeat-claims.js';
import { heldClaim } from './statements/held-claim.js';
import { insertJob } from './statements/insert-job.js';
import { nextRunAt } from './statements/next-run-at.js';
import { reclaimJobs } from './statements/reclaim-jobs.js';
import { releaseJob } from './statements/release-job.js';
import { retryJob } from './statements/retry-job.js';
import { saveCheckpoint } from './statements/save-checkpoint.js';
import { selectBlockedLanes } from './statements/select-blocked-lanes.js';
import { selectJob } from './statements/select-job.js';
import { sleepJob } from './statements/sleep-job.js';
import { prepareAll } from './statements/statement.js';
import { touchClaim } from './statements/touch-claim.js';
import { unhaltJob } from './statements/unhalt-job.js';

/** Options of {@link SqliteQueue}. */
export type SqliteQueueOptions = {
  /** Where `jobAvailable` is published. @default none: nothing is published */
  bus?: IEventBus;
  /** Time of `createdAt`, `finishedAt`, heartbeats and of `runAt` checks. */
  clock: Clock;
  /** Id of a job enqueued without one. @default crypto.randomUUID */
  idFactory?: () => string;
  /**
   * Group commit shared with the operation store: `complete`, `fail`, `release` and `claimLane`
   * calls of one tick share a transaction. @default one of its own
   */
  writes?: SqliteWriteBatcher;
};

/** Jobs per claim at most (SQLite's LIMIT takes a 64-bit integer; a claim this big is a bug). */
const MAX_CLAIM = 1_000_000;

/** A job ready to insert: the job and its JSON columns. */
type NewJob = {
  job: Job;
  scopes: string;
  actions: string;
  meta: string | null;
  handler: string | null;
};

const STATEMENTS = {
  insertJob,
  claimJobs,
  claimLane,
  reclaimJobs,
  completeJob,
  endedClaim,
  heldClaim,
  failJob,
  releaseJob,
  sleepJob,
  saveCheckpoint,
  touchClaim,
  selectJob,
  countJobs,
  countBacklog,
  nextRunAt,
  selectBlockedLanes,
  retryJob,
  unhaltJob,
  deletePendingJob,
  heartbeatClaims,
};

/**
 * An {@link IQueue} in a SQLite database, shared by any number of connections and processes.
 *
 * Every write runs in an IMMEDIATE transaction, so connections take turns and a claim never hands
 * a job to two runners; `complete`, `fail`, `release` and `claimLane` calls of one tick share one
 * (with the store's appends, see `SqliteWriteBatcher`), each in a savepoint. The lane rule is kept by `job_lanes` (the lanes of unfinished jobs) and a
 * per-job `blockers` count (lanes in which an earlier unfinished job waits); a claim takes the
 * oldest due pending jobs with `blockers = 0` through a partial index (see `claim-jobs.ts`).
 * Claims carry a token (`complete`, `fail` and `release` are fenced by it) and a heartbeat the
 * storage refreshes for the claims this queue handed out ({@link SqliteQueue.heartbeat}). A claim
 * stops beating as soon as `complete`, `fail` or `release` is called for it, even when the call
 * fails (e.g. `SQLITE_BUSY` past the busy timeout): the job is then not left running forever,
 * the reaper returns it to pending after `stalledThreshold`, and it is replayed idempotently.
 * `abandon` stops the heartbeat of a claim whose end the runtime gave up writing.
 *
 * Finished jobs stay in the table (for `get` and `counts`); a cancelled job is deleted. Created
 * by `createSqliteStorage`, which owns the connection: `close` here is a no-op.
 *
 * @example
 * const storage = createSqliteStorage('jobs.db', { bus, clock: systemClock, runnerId: 'r1' });
 * await storage.queue.enqueue({ documentId: 'doc-1', scopes: ['global'], actions: [action] });
 * const [claim] = await storage.queue.claim('r1', 10);
 */
export class SqliteQueue implements IQueue {
  readonly #bus: IEventBus | undefined;
  readonly #clock: Clock;
  readonly #idFactory: () => string;
  readonly #sql: ReturnType<typeof prepareAll<typeof STATEMENTS>>;
  readonly #lanes: JobLanes;
  readonly #writes: SqliteWriteBatcher;
  /** Claims this queue handed out that may still hold their job (heartbeats): token → job id. */
  #live = new Map<string, string>();
  /** Claims an append completed and committed, with the attempts it stored: token → attempts. */
  readonly #appended = new Map<string, number>();

  readonly #insertTx: Transaction<(jobs: NewJob[], now: number) => void>;
  readonly #claimTx: Transaction<
    (runnerId: string, limit: number, now: number, request: string) => JobRow[]
  >;
  readonly #completeTx: Transaction<
    (ref: ClaimRef, attempts: number, now: number, output: string | null) => void
  >;
  readonly #failTx: Transaction<(ref: ClaimRef, failure: JobFailure, now: number) => void>;
  readonly #skipTx: Transaction<(jobId: string) => JobLanesRow | undefined>;
  readonly #cancelTx: Transaction<(jobId: string) => JobLanesRow | undefined>;

  readonly #view: SqliteLanesView;

  /** Use `createSqliteStorage`. */
  constructor(db: Database, options: SqliteQueueOptions) {
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#idFactory = options.idFactory ?? randomUUID;
    this.#sql = prepareAll(db, STATEMENTS);
    this.#view = new SqliteLanesView(db);
    this.#lanes = new JobLanes(db);
    this.#writes = options.writes ?? new SqliteWriteBatcher(db);

    this.#insertTx = db.transaction((jobs: NewJob[], now: number) => {
      // Lanes that a job of this batch entered: they hold an unfinished job, no need to look.
      const entered = new Set<string>();
      for (const entry of jobs) this.#insert(entry, now, entered);
    });
    this.#claimTx = db.transaction(
      (runnerId: string, limit: number, now: number, request: string) =>
        this.#sql.claimJobs.all({ now, limit, runnerId, claimId: request }),
    );
    this.#completeTx = db.transaction(
      (ref: ClaimRef, attempts: number, now: number, output: string | null) => {
        const row = this.#sql.completeJob.get({ ...idToken(ref), attempts, now, output });
        if (row !== undefined) {
          this.#lanes.leave(row);
          return;
        }
        // Completed already with this claim (an earlier `complete`, or inside `store.append`).
        this.#assertEnded(ref, 'COMPLETED');
      },
    );
    this.#failTx = db.transaction((ref: ClaimRef, failure: JobFailure, now: number) => {
      const row = this.#sql.failJob.get({
        ...idToken(ref),
        attempts: failure.attempts,
        now,
        errorCode: failure.errorCode,
        errorMessage: failure.errorMessage,
        halted: failure.halt ? 1 : 0,
      });
      if (row === undefined) return this.#assertEnded(ref, 'FAILED');
      if (!failure.halt) this.#lanes.leave(row);
    });
    this.#skipTx = db.transaction((jobId: string) => {
      const row = this.#sql.unhaltJob.get({ id: jobId });
      if (row !== undefined) this.#lanes.leave(row);
      return row;
    });
    this.#cancelTx = db.transaction((jobId: string) => {
      const row = this.#sql.deletePendingJob.get({ id: jobId });
      if (row !== undefined) this.#lanes.leave(row);
      return row;
    });
  }

  /** Validates and enqueues (a copy of) one job; publishes `jobAvailable`. */
  async enqueue(input: JobInput | HandlerJobInput): Promise<Job> {
    const copy = prepareJobInput(input);
    const now = this.#clock.now();
    const entry = this.#prepareJob(copy, now);
    this.#insertTx.immediate([entry], now);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {
      jobId: entry.job.id,
      documentId: entry.job.documentId,
    });
    return { ...entry.job };
  }

  /** Validates all inputs, then enqueues all of them in order (or none); publishes `jobAvailable` once. */
  async enqueueMany(inputs: (JobInput | HandlerJobInput)[]): Promise<Job[]> {
    const copies = prepareJobInputs(inputs);
    if (copies.length === 0) return [];
    const now = this.#clock.now();
    const entries = copies.map((copy) => this.#prepareJob(copy, now));
    this.#insertTx.immediate(entries, now);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {});
    return entries.map((entry) => ({ ...entry.job }));
  }

  /** Claims up to `limit` ready, due jobs, oldest first (see {@link IQueue}). */
  async claim(runnerId: string, limit: number, request = randomUUID()): Promise<Claim[]> {
    if (!(limit >= 1)) return [];
    const max = Math.min(Math.floor(limit), MAX_CLAIM);
    const rows = this.#claimTx.immediate(runnerId, max, this.#clock.now(), request);
    return this.#held(rows);
  }

  /** The claims the call named `request` made that still hold their jobs (see {@link IQueue.reclaim}). */
  async reclaim(runnerId: string, request: string): Promise<Claim[]> {
    return this.#held(this.#sql.reclaimJobs.all({ runnerId, request }));
  }

  /** Claims of `rows`, in enqueue order, heartbeated from now on. */
  #held(rows: JobRow[]): Claim[] {
    rows.sort((a, b) => a.seq - b.seq);
    return rows.map((row) => {
      const token = row.claim_token as string;
      this.#live.set(token, row.id);
      return { job: jobFromRow(row), token };
    });
  }

  /**
   * Claims the head of one lane when it is claimable now (`PENDING`, heading all its lanes, due),
   * as `claim` would; undefined otherwise. The runtime's lane batching calls it right after a job
   * of the lane finished. The calls of one tick share a transaction.
   */
  async claimLane(
    runnerId: string,
    lane: LaneRef,
    request = randomUUID(),
  ): Promise<Claim | undefined> {
    const key = laneKey(lane.documentId, lane.scope, lane.branch);
    const row = await this.#writes.run(() =>
      this.#sql.claimLane.get({
        laneKey: key,
        now: this.#clock.now(),
        runnerId,
        claimId: request,
      }),
    );
    if (row === undefined) return undefined;
    const token = row.claim_token as string;
    this.#live.set(token, row.id);
    return { job: jobFromRow(row), token };
  }

  /**
   * Finishes a claimed job successfully and frees its lanes. Once the claim is completed (by an
   * earlier `complete`, or inside `store.append`), `complete` with its token succeeds without
   * changing anything. The calls of one tick share a transaction.
   */
  async complete(ref: ClaimRef, attempts: number, output?: unknown): Promise<void> {
    const appended = this.#appended.get(ref.token);
    if (appended !== undefined) {
      this.#appended.delete(ref.token);
      if (appended === attempts) return;
    }
    const json = output === undefined ? null : JSON.stringify(output);
    try {
      await this.#writes.run(() => this.#completeTx(ref, attempts, this.#clock.now(), json));
    } finally {
      this.#live.delete(ref.token);
    }
  }

  /** Fails a claimed job for good; with `halt` it keeps blocking its lanes until `retry` or `skip`. */
  async fail(ref: ClaimRef, failure: JobFailure): Promise<void> {
    try {
      await this.#writes.run(() => this.#failTx(ref, failure, this.#clock.now()));
    } finally {
      this.#live.delete(ref.token);
    }
  }

  /**
   * Puts a claimed job back to `PENDING` at its place (still the head of its lanes), flagged when
   * `options.outcomeUnknown` (kept until it completes or fails, see `ReleaseOptions`).
   */
  async release(ref: ClaimRef, attempts: number, options?: ReleaseOptions): Promise<void> {
    const outcomeUnknown = options?.outcomeUnknown === true ? 1 : 0;
    return this.#giveBack(ref, () =>
      this.#sql.releaseJob.get({ ...idToken(ref), attempts, outcomeUnknown }),
    );
  }

  /**
   * Puts a claimed job back to `PENDING` at its place, not due before `sleep.wakeAt` (a stateful
   * handler's `ctx.wait`); it keeps blocking every later job of its lanes. The calls of one tick
   * share a transaction.
   */
  async sleep(ref: ClaimRef, sleep: JobSleep): Promise<void> {
    return this.#giveBack(ref, () =>
      this.#sql.sleepJob.get({ ...idToken(ref), attempts: sleep.attempts, wakeAt: sleep.wakeAt }),
    );
  }

  /**
   * Ends a claim by putting its job back to `PENDING` with `write` (a statement returning the
   * job's row when the token held), then publishes it available; a refused write is checked by
   * `#assertEnded` (a repeat is a no-op success, anything else stale).
   */
  async #giveBack(ref: ClaimRef, write: () => { document_id: string } | undefined): Promise<void> {
    let row: { document_id: string } | undefined;
    try {
      row = await this.#writes.run(write);
    } finally {
      this.#live.delete(ref.token);
    }
    if (row === undefined) return this.#assertEnded(ref, 'PENDING');
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {
      jobId: ref.jobId,
      documentId: row.document_id,
    });
  }

  /** Stores the checkpoint of the running job the claim holds (`null` clears it). */
  async saveCheckpoint(ref: ClaimRef, checkpoint: unknown): Promise<void> {
    const json =
      checkpoint === null || checkpoint === undefined ? null : JSON.stringify(checkpoint);
    const row = await this.#writes.run(() =>
      this.#sql.saveCheckpoint.get({ ...idToken(ref), checkpoint: json }),
    );
    if (row === undefined) throw new StaleClaimError(ref.jobId);
  }

  /** Heartbeats this one claim now; `StaleClaimError` when it no longer holds its job. */
  async touch(ref: ClaimRef): Promise<void> {
    const row = await this.#writes.run(() =>
      this.#sql.touchClaim.get({ ...idToken(ref), now: this.#clock.now() }),
    );
    if (row === undefined) {
      this.#live.delete(ref.token);
      throw new StaleClaimError(ref.jobId);
    }
  }

  /** The job with how it ended, or undefined when unknown (or cancelled). */
  async get(jobId: string): Promise<QueuedJob | undefined> {
    const row = this.#sql.selectJob.get({ id: jobId });
    return row === undefined ? undefined : queuedJobFromRow(row);
  }

  /** Jobs per status, finished ones included. */
  async counts(): Promise<QueueCounts> {
    const counts: QueueCounts = { pending: 0, running: 0, completed: 0, failed: 0 };
    for (const { status, n } of this.#sql.countJobs.all({})) {
      counts[status.toLowerCase() as keyof QueueCounts] = n;
    }
    return counts;
  }

  /** Pending jobs: waiting for their lanes, for their `runAt`, or ready. */
  async backlog(): Promise<number> {
    return this.#sql.countBacklog.get({})?.n ?? 0;
  }

  /** Earliest `runAt` of a pending lane head that is not due yet. */
  async nextRunAt(): Promise<number | undefined> {
    return this.#sql.nextRunAt.get({ now: this.#clock.now() })?.at ?? undefined;
  }

  /** Counts, oldest pending job and blocked lanes (README: Dashboard). */
  async overview(): Promise<QueueOverview> {
    return this.#view.overview(await this.counts());
  }

  /** A page of the lanes with work, oldest head first (README: Dashboard). */
  async lanes(query?: LanesQuery): Promise<LanesPage> {
    return this.#view.lanes(query);
  }

  /** The lanes of halted jobs, in the order the jobs failed. */
  async blockedLanes(): Promise<BlockedLane[]> {
    const blocked: BlockedLane[] = [];
    for (const row of this.#sql.selectBlockedLanes.all({})) {
      for (const scope of JSON.parse(row.scopes) as string[]) {
        blocked.push({
          documentId: row.document_id,
          scope,
          branch: row.branch,
          jobId: row.id,
          errorCode: row.last_error_code ?? undefined,
          errorMessage: row.last_error_message ?? undefined,
        });
      }
    }
    return blocked;
  }

  /**
   * Puts a halted job back to `PENDING` at its place with its attempts reset; publishes
   * `jobAvailable`. Throws a `JobValidationError` on `jobId` when the job is not halted.
   */
  async retry(jobId: string): Promise<void> {
    const row = this.#sql.retryJob.get({ id: jobId });
    if (row === undefined) throw this.#notHalted(jobId);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId, documentId: row.document_id });
  }

  /**
   * Lets a halted job (which stays `FAILED`) stop blocking its lanes; publishes `jobAvailable`.
   * Throws a `JobValidationError` on `jobId` when the job is not halted.
   */
  async skip(jobId: string): Promise<void> {
    const row = this.#skipTx.immediate(jobId);
    if (row === undefined) throw this.#notHalted(jobId);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId, documentId: row.document_id });
  }

  /** Deletes a pending job (delayed or not, head or not); false when it is not pending. */
  async cancel(jobId: string): Promise<boolean> {
    const row = this.#cancelTx.immediate(jobId);
    if (row === undefined) return false;
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { documentId: row.document_id });
    return true;
  }

  /** The connection belongs to the storage: close it with `storage.close()`. */
  async close(): Promise<void> {}

  /** Stops heartbeating the claim: the reaper returns its job after `stalledThreshold`. */
  abandon(ref: ClaimRef): void {
    this.#live.delete(ref.token);
  }

  /**
   * Records a heartbeat on every running claim this queue handed out and that still holds its
   * job; forgets the others (completed, failed, released, or reaped). Returns how many beat.
   * Called by the storage every `heartbeatInterval` after `start()`.
   */
  heartbeat(): number {
    if (this.#live.size === 0) return 0;
    const claims = [...this.#live].map(([token, jobId]) => [jobId, token]);
    const rows = this.#sql.heartbeatClaims.all({
      claims: JSON.stringify(claims),
      now: this.#clock.now(),
    });
    const beating = new Set(rows.map((row) => row.claim_token));
    for (const token of this.#live.keys()) if (!beating.has(token)) this.#live.delete(token);
    return rows.length;
  }

  /** Claims of this queue that may still be running (for tests and monitoring). */
  get liveClaims(): number {
    return this.#live.size;
  }

  /**
   * Throws `StaleClaimError` unless `ref` still holds its running job. For `store.append`,
   * inside its transaction.
   */
  assertClaimHeld(ref: ClaimRef): void {
    if (this.#sql.heldClaim.get(idToken(ref))?.held !== 1) throw new StaleClaimError(ref.jobId);
  }

  /**
   * Completes the claim inside the caller's transaction, keeping its token so that the runtime's
   * `complete` with it is a no-op success; a claim completed already is left as it is. Throws
   * `StaleClaimError` when the claim is stale.
   */
  completeClaimWithin(ref: ClaimRef, attempts?: number): void {
    const row = this.#sql.completeJob.get({
      ...idToken(ref),
      attempts: attempts ?? null,
      now: this.#clock.now(),
      output: null,
    });
    if (row === undefined) {
      this.#assertEnded(ref, 'COMPLETED'); // completed already with this claim: a no-op
      return;
    }
    this.#lanes.leave(row);
    this.#live.delete(ref.token);
  }

  /**
   * The append that completed `claim` committed: the runtime's `complete` with its token and the
   * same attempts is then answered without a write (it would change nothing).
   */
  completedByAppend(claim: AppendClaim): void {
    if (claim.attempts !== undefined) this.#appended.set(claim.token, claim.attempts);
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  /** Returns when `ref` ended already with `status` (a repeated end: a no-op), else throws stale. */
  #assertEnded(ref: ClaimRef, status: 'COMPLETED' | 'FAILED' | 'PENDING'): void {
    if (this.#sql.endedClaim.get({ ...idToken(ref), status })?.ended !== 1) {
      throw new StaleClaimError(ref.jobId);
    }
  }

  /** Builds the job of a prepared copy (plain JSON data) and serialises its JSON columns. */
  #prepareJob(copy: JobInput, now: number): NewJob {
    const job = toJob(copy, { createdAt: now, generateId: this.#idFactory });
    return {
      job,
      scopes: JSON.stringify(job.scopes),
      actions: JSON.stringify(job.actions),
      meta: job.meta === undefined ? null : JSON.stringify(job.meta),
      handler:
        job.handler === undefined
          ? null
          : JSON.stringify({ type: job.handler, input: job.input ?? null }),
    };
  }

  /** Inserts one job inside the enqueue transaction; `entered` collects the lanes entered. */
  #insert(
    { job, scopes, actions, meta, handler }: NewJob,
    now: number,
    entered: Set<string>,
  ): void {
    const laneKeys = job.scopes.map((scope) => laneKey(job.documentId, scope, job.branch));
    let inserted: { seq: number } | undefined;
    try {
      inserted = this.#sql.insertJob.get({
        id: job.id,
        documentId: job.documentId,
        branch: job.branch,
        scopes,
        actions,
        resultingHash: job.resultingHash ?? null,
        createdAt: now,
        maxRetries: job.maxRetries ?? null,
        runAt: job.runAt ?? null,
        meta,
        blockers: this.#lanes.blockers(laneKeys, entered),
        handler,
      });
    } catch (error) {
      // The id is unique in `jobs` (finished jobs stay): the constraint is the check.
      if (isDuplicateJobId(error)) {
        throw new JobValidationError(
          'id',
          `expected a unique job id, got ${JSON.stringify(job.id)}, which the queue already holds`,
        );
      }
      throw error;
    }
    this.#lanes.enter(laneKeys, (inserted as { seq: number }).seq, job.id);
    for (const laneKey of laneKeys) entered.add(laneKey);
  }

  #notHalted(jobId: string): JobValidationError {
    const row = this.#sql.selectJob.get({ id: jobId });
    return new JobValidationError(
      'jobId',
      `expected the id of a job halted by a failure, got ${JSON.stringify(jobId)}, which is ${
        row === undefined ? 'unknown' : `${row.status} and not halted`
      }`,
    );
  }
}

/** Whether `error` is the unique violation of a job id that `jobs` holds already. */
function isDuplicateJobId(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && message === 'UNIQUE constraint failed: jobs.id';
}

function idToken(ref: ClaimRef): { id: string; token: string } {
  return { id: ref.jobId, token: ref.token };
}
