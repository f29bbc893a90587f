/**
 * The PostgreSQL job queue: jobs in a total `seq` order, lanes as `job_lanes` rows, claims fenced
 * by tokens.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
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
import { isClaimToken, type JobRow, rowToJob, rowToQueuedJob } from './job-row.js';
import { PostgresClaimFinisher } from './postgres-claim-finisher.js';
import { PostgresLaneClaimer } from './postgres-lane-claimer.js';
import { postgresLanes, postgresOverview } from './postgres-lanes-view.js';
import { inTransaction, sqlState } from './postgres-transaction.js';
import { claimJobs } from './statements/claim-jobs.js';
import { countBacklog } from './statements/count-backlog.js';
import { countJobs } from './statements/count-jobs.js';
import { deletePendingJob } from './statements/delete-pending-job.js';
import { heartbeatClaims } from './statements/heartbeat-claims.js';
import { insertJobs } from './statements/insert-jobs.js';
import { leaveLanes } from './statements/leave-lanes.js';
import { lockAllLanes } from './statements/lock-all-lanes.js';
import { lockLanes } from './statements/lock-lanes.js';
import { nextRunAt } from './statements/next-run-at.js';
import { reclaimJobs } from './statements/reclaim-jobs.js';
import { reserveJobs } from './statements/reserve-jobs.js';
import { retryJob } from './statements/retry-job.js';
import { saveCheckpoint } from './statements/save-checkpoint.js';
import { selectBlockedLanes } from './statements/select-blocked-lanes.js';
import { selectJob } from './statements/select-job.js';
import { sleepJob } from './statements/sleep-job.js';
import { run } from './statements/statement.js';
import { storeOutput } from './statements/store-output.js';
import { touchClaim } from './statements/touch-claim.js';
import { unhaltJob } from './statements/unhalt-job.js';

/** What {@link PostgresQueue} needs; {@link createPostgresStorage} provides it. */
export type PostgresQueueOptions = {
  /** Connections whose search_path is the storage's schema. */
  pool: Pool;
  /** Time of `createdAt`, `finishedAt`, heartbeats and `runAt` checks. */
  clock: Clock;
  /** Where `jobAvailable` is published for this process's own changes. */
  bus?: IEventBus;
  /** Resolves once the schema is migrated; awaited before the first statement. */
  ready: () => Promise<void>;
  /** NOTIFY channel that wakes the other processes. */
  channel: string;
  /** This storage instance, as the NOTIFY payload (its own notifications are ignored). */
  origin: string;
  /** Id of a job enqueued without one. @default crypto.randomUUID */
  idFactory?: () => string;
  /** Receives a batch's error that no call could be told of (see `TickBatcher`). */
  onError?: (error: unknown) => void;
};

/**
 * An enqueue batch with more distinct lanes than this takes the lane barrier exclusively instead
 * of one advisory lock per lane: PostgreSQL's shared lock table holds `max_locks_per_transaction`
 * × `max_connections` locks in all (6,400 by default), and 200,000 lane locks in one transaction
 * fail with "out of shared memory".
 */
export const MAX_LANE_LOCKS = 1_000;

/**
 * An {@link IQueue} in PostgreSQL, for any number of processes sharing one database.
 *
 * Every job gets its place in a total order (`seq`) at enqueue, under the advisory locks of its
 * lanes; each job counts the lanes in which an earlier unfinished job waits (`blockers`), and
 * whoever removes a lane's head decrements the next job of that lane, under the same locks. A job
 * with no blockers heads every one of its lanes, so the claim is one statement over a partial
 * index (see `statements/claim-jobs.ts`).
 *
 * `complete`, `fail` and `release` calls made in the same tick are ended together by one
 * `unnest` statement (one transaction), each still fenced by its own claim token. The queue
 * publishes `jobAvailable` on its bus for its own enqueue, release, retry, skip and cancel, and
 * NOTIFYs the other processes (also when a completion makes a job ready).
 *
 * Construct it through {@link createPostgresStorage}.
 */
export class PostgresQueue implements IQueue {
  readonly #pool: Pool;
  readonly #clock: Clock;
  readonly #bus: IEventBus | undefined;
  readonly #ready: () => Promise<void>;
  readonly #channel: string;
  readonly #origin: string;
  readonly #idFactory: () => string;

  /** Tokens of the claims this queue handed out that have not ended (heartbeats). */
  readonly #held = new Set<string>();
  /** Claims an append completed and committed, with the attempts it stored: token → attempts. */
  readonly #appended = new Map<string, number>();
  readonly #finisher: PostgresClaimFinisher;
  readonly #laneClaimer: PostgresLaneClaimer;

  constructor(options: PostgresQueueOptions) {
    this.#pool = options.pool;
    this.#clock = options.clock;
    this.#bus = options.bus;
    this.#ready = options.ready;
    this.#channel = options.channel;
    this.#origin = options.origin;
    this.#idFactory = options.idFactory ?? randomUUID;
    this.#finisher = new PostgresClaimFinisher({ ...options, held: this.#held });
    this.#laneClaimer = new PostgresLaneClaimer({ ...options, held: this.#held });
  }

  /** Validates and enqueues (a copy of) one job; publishes `jobAvailable`. */
  async enqueue(input: JobInput | HandlerJobInput): Promise<Job> {
    const copy = prepareJobInput(input);
    const job = toJob(copy, { createdAt: this.#clock.now(), generateId: this.#idFactory });
    await this.#insert([job]);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {
      jobId: job.id,
      documentId: job.documentId,
    });
    return job;
  }

  /** Validates all inputs, then enqueues all of them in order (or none); publishes `jobAvailable` once. */
  async enqueueMany(inputs: (JobInput | HandlerJobInput)[]): Promise<Job[]> {
    const copies = prepareJobInputs(inputs);
    if (copies.length === 0) return [];
    const defaults = { createdAt: this.#clock.now(), generateId: this.#idFactory };
    const jobs = copies.map((copy) => toJob(copy, defaults));
    const batch = new Set<string>();
    for (const job of jobs) {
      if (batch.has(job.id)) throw duplicateId(job.id, 'twice in the batch');
      batch.add(job.id);
    }
    await this.#insert(jobs);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {});
    return jobs;
  }

  /** Claims up to `limit` ready, due jobs, oldest first (see {@link IQueue}). */
  async claim(runnerId: string, limit: number, request = randomUUID()): Promise<Claim[]> {
    if (!(limit >= 1)) return [];
    await this.#ready();
    const rows = await run<JobRow>(this.#pool, claimJobs, [
      runnerId,
      Math.floor(Math.min(limit, 2 ** 31 - 1)),
      this.#clock.now(),
      request,
    ]);
    return this.#hold(rows);
  }

  /** The claims the call named `request` made that still hold their jobs (see {@link IQueue.reclaim}). */
  async reclaim(runnerId: string, request: string): Promise<Claim[]> {
    await this.#ready();
    return this.#hold(await run<JobRow>(this.#pool, reclaimJobs, [runnerId, request]));
  }

  /** Claims of `rows`, in enqueue order, heartbeated from now on. */
  #hold(rows: JobRow[]): Claim[] {
    rows.sort(bySeq);
    return rows.map((row) => {
      const token = row.claim_token as string;
      this.#held.add(token);
      return { job: rowToJob(row), token };
    });
  }

  /**
   * Claims the head of one lane when it is claimable now (PENDING, heading all its lanes, due),
   * as `claim` would; undefined otherwise. The runtime's lane batching calls it right after a job
   * of the lane finished, so the lane's next job runs on the slot just freed, in this process.
   * The calls of one tick share one statement.
   */
  claimLane(runnerId: string, lane: LaneRef, request = randomUUID()): Promise<Claim | undefined> {
    return this.#laneClaimer.claimLane(runnerId, lane, request);
  }

  /**
   * Finishes a claimed job successfully and frees its lanes. Once the claim is completed (by an
   * earlier `complete`, or inside `store.append`), this is a no-op success (storing `attempts`).
   * A claim whose committed append of this storage completed it with these attempts is answered
   * without a round trip: the write would change nothing.
   */
  complete(ref: ClaimRef, attempts: number, output?: unknown): Promise<void> {
    const appended = this.#appended.get(ref.token);
    if (appended !== undefined) {
      this.#appended.delete(ref.token);
      if (appended === attempts) return Promise.resolve();
    }
    if (output === undefined || !isClaimToken(ref.token)) {
      return this.#finisher.finish(ref, 'complete', attempts);
    }
    // Two statements, not one transaction: the output is only read once the job is COMPLETED,
    // and a crash in between leaves a RUNNING job that the reaper hands out again.
    return (async () => {
      await this.#ready();
      await run(this.#pool, storeOutput, [ref.jobId, ref.token, JSON.stringify(output)]);
      await this.#finisher.finish(ref, 'complete', attempts);
    })();
  }

  /**
   * The storage's `store.append` completed `claim` and committed: its job is no longer
   * heartbeated, and the runtime's `complete` with the same attempts needs no round trip.
   */
  completedByAppend(claim: AppendClaim): void {
    this.#held.delete(claim.token);
    if (claim.attempts !== undefined) this.#appended.set(claim.token, claim.attempts);
  }

  /** Fails a claimed job for good; with `halt` it keeps blocking its lanes until `retry` or `skip`. */
  fail(ref: ClaimRef, failure: JobFailure): Promise<void> {
    return this.#finisher.finish(ref, 'fail', failure.attempts, failure);
  }

  /**
   * Puts a claimed job back to `PENDING` at its place (still the head of its lanes), flagged when
   * `options.outcomeUnknown` (kept until it completes or fails, see `ReleaseOptions`).
   */
  release(ref: ClaimRef, attempts: number, options?: ReleaseOptions): Promise<void> {
    const outcomeUnknown = options?.outcomeUnknown === true;
    return this.#finisher.finish(ref, 'release', attempts, undefined, outcomeUnknown);
  }

  /**
   * Puts a claimed job back to `PENDING` at its place, not due before `sleep.wakeAt` (a stateful
   * handler's `ctx.wait`): its `run_at` first (see `statements/sleep-job.ts`), then the release with the
   * tick's other claim ends. It keeps blocking every later job of its lanes while it sleeps.
   */
  sleep(ref: ClaimRef, sleep: JobSleep): Promise<void> {
    if (!isClaimToken(ref.token)) return this.#finisher.finish(ref, 'release', sleep.attempts);
    return (async () => {
      await this.#ready();
      await run(this.#pool, sleepJob, [ref.jobId, ref.token, sleep.wakeAt]);
      await this.#finisher.finish(ref, 'release', sleep.attempts);
    })();
  }

  /** Stores the checkpoint of the running job the claim holds (`null` clears it). */
  async saveCheckpoint(ref: ClaimRef, checkpoint: unknown): Promise<void> {
    if (!isClaimToken(ref.token)) throw new StaleClaimError(ref.jobId);
    await this.#ready();
    const json =
      checkpoint === null || checkpoint === undefined ? null : JSON.stringify(checkpoint);
    const rows = await run(this.#pool, saveCheckpoint, [ref.jobId, ref.token, json]);
    if (rows.length === 0) throw new StaleClaimError(ref.jobId);
  }

  /** Heartbeats this one claim now; `StaleClaimError` when it no longer holds its job. */
  async touch(ref: ClaimRef): Promise<void> {
    if (!isClaimToken(ref.token)) throw new StaleClaimError(ref.jobId);
    await this.#ready();
    const rows = await run(this.#pool, touchClaim, [ref.jobId, ref.token, this.#clock.now()]);
    if (rows.length === 0) {
      this.#held.delete(ref.token);
      throw new StaleClaimError(ref.jobId);
    }
  }

  /** The job with how it ended, or undefined when unknown. */
  async get(jobId: string): Promise<QueuedJob | undefined> {
    await this.#ready();
    const [row] = await run<JobRow>(this.#pool, selectJob, [jobId]);
    return row === undefined ? undefined : rowToQueuedJob(row);
  }

  /** Jobs per status (finished jobs are kept). */
  async counts(): Promise<QueueCounts> {
    await this.#ready();
    const counts: QueueCounts = { pending: 0, running: 0, completed: 0, failed: 0 };
    const rows = await run<{ status: string; n: number }>(this.#pool, countJobs, []);
    for (const { status, n } of rows) {
      counts[status.toLowerCase() as keyof QueueCounts] = n;
    }
    return counts;
  }

  /** Pending jobs: waiting for their lanes, for their `runAt`, or ready. */
  async backlog(): Promise<number> {
    await this.#ready();
    const [row] = await run<{ n: number }>(this.#pool, countBacklog, []);
    return row?.n ?? 0;
  }

  /** Earliest `runAt` of a pending lane head that is not due yet. */
  async nextRunAt(): Promise<number | undefined> {
    await this.#ready();
    const [row] = await run<{ run_at: string | null }>(this.#pool, nextRunAt, [this.#clock.now()]);
    return row?.run_at == null ? undefined : Number(row.run_at);
  }

  /** Counts, oldest pending job and blocked lanes (README: Dashboard). */
  async overview(): Promise<QueueOverview> {
    const counts = await this.counts();
    return postgresOverview(this.#pool, counts);
  }

  /** A page of the lanes with work, oldest head first (README: Dashboard). */
  async lanes(query?: LanesQuery): Promise<LanesPage> {
    await this.#ready();
    return postgresLanes(this.#pool, query);
  }

  /** The lanes of halted jobs, in the order the jobs failed. */
  async blockedLanes(): Promise<BlockedLane[]> {
    await this.#ready();
    const rows = await run<{
      id: string;
      document_id: string;
      scope: string;
      branch: string;
      last_error_code: number | null;
      last_error_message: string | null;
    }>(this.#pool, selectBlockedLanes, []);
    return rows.map((row) => ({
      documentId: row.document_id,
      scope: row.scope,
      branch: row.branch,
      jobId: row.id,
      errorCode: row.last_error_code ?? undefined,
      errorMessage: row.last_error_message ?? undefined,
    }));
  }

  /**
   * Puts a halted job back to `PENDING` at its place with its attempts reset; publishes
   * `jobAvailable`. Throws a `JobValidationError` on `jobId` when the job is not halted.
   */
  async retry(jobId: string): Promise<void> {
    await this.#ready();
    const [row] = await run<{ document_id: string }>(this.#pool, retryJob, [
      jobId,
      this.#channel,
      this.#origin,
    ]);
    if (row === undefined) throw notHalted(jobId, await this.get(jobId));
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId, documentId: row.document_id });
  }

  /**
   * Lets a halted job (which stays `FAILED`) stop blocking its lanes; publishes `jobAvailable`.
   * Throws a `JobValidationError` on `jobId` when the job is not halted.
   */
  async skip(jobId: string): Promise<void> {
    await this.#ready();
    const documentId = await inTransaction(this.#pool, async (client) => {
      const [job] = await run<JobRow>(client, selectJob, [jobId]);
      if (job === undefined || !job.halted) throw notHalted(jobId, job && rowToQueuedJob(job));
      await run(client, lockLanes, [...jobLanes(job), [], []]);
      const [unhalted] = await run<{ seq: string }>(client, unhaltJob, [jobId]);
      if (unhalted === undefined) throw notHalted(jobId, undefined);
      await run(client, leaveLanes, [[unhalted.seq], this.#channel, this.#origin]);
      return job.document_id;
    });
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId, documentId });
  }

  /** Removes a pending job (delayed or not, head or not); false when it is not pending. */
  async cancel(jobId: string): Promise<boolean> {
    await this.#ready();
    const documentId = await inTransaction(this.#pool, async (client) => {
      const [job] = await run<JobRow>(client, selectJob, [jobId]);
      if (job === undefined || job.status !== 'PENDING') return undefined;
      await run(client, lockLanes, [...jobLanes(job), [], []]);
      const [deleted] = await run<{ seq: string }>(client, deletePendingJob, [jobId]);
      if (deleted === undefined) return undefined; // claimed meanwhile
      await run(client, leaveLanes, [[deleted.seq], this.#channel, this.#origin]);
      return job.document_id;
    });
    if (documentId === undefined) return false;
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { documentId });
    return true;
  }

  /** Stops heartbeating the claim: the reaper returns its job after `stalledThreshold`. */
  abandon(ref: ClaimRef): void {
    this.#held.delete(ref.token);
  }

  /**
   * Marks every claim this queue holds as alive (`heartbeat_at` = now). Claims the reaper took
   * meanwhile are dropped from the set: this runner no longer owns them.
   * @returns the number of claims still held.
   */
  async heartbeat(): Promise<number> {
    if (this.#held.size === 0) return 0;
    const tokens = [...this.#held];
    await this.#ready();
    const rows = await run<{ token: string }>(this.#pool, heartbeatClaims, [
      this.#clock.now(),
      tokens,
    ]);
    const alive = new Set(rows.map((row) => row.token));
    for (const token of tokens) if (!alive.has(token)) this.#held.delete(token);
    return alive.size;
  }

  /** Waits for the `complete` / `fail` / `release` calls already made. The pool is the storage's. */
  async close(): Promise<void> {
    await this.#laneClaimer.drain();
    await this.#finisher.drain();
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  /** Inserts validated jobs (with unique ids within the batch) in one transaction. */
  async #insert(jobs: Job[]): Promise<void> {
    await this.#ready();
    // The batch's distinct lanes, and each job's lanes as positions in that list.
    const laneIndex = new Map<string, number>();
    const docs: string[] = [];
    const branches: string[] = [];
    const scopes: string[] = [];
    const jobLaneIndexes = jobs.map((job) =>
      job.scopes.map((scope) => {
        const key = laneKey(job.documentId, scope, job.branch);
        let index = laneIndex.get(key);
        if (index === undefined) {
          index = docs.length;
          laneIndex.set(key, index);
          docs.push(job.documentId);
          branches.push(job.branch);
          scopes.push(scope);
        }
        return index;
      }),
    );
    try {
      await inTransaction(this.#pool, async (client) => {
        if (docs.length > MAX_LANE_LOCKS) await run(client, lockAllLanes, []);
        else await run(client, lockLanes, [docs, branches, scopes, [], []]);
        const [reserved] = await run<{ seqs: string[]; occupied: number[] }>(client, reserveJobs, [
          jobs.length,
          docs,
          branches,
          scopes,
        ]);
        const seqs = (reserved?.seqs ?? []).map(BigInt).sort((a, b) => (a < b ? -1 : 1));
        // A lane blocks a job when an unfinished job holds it already, or an earlier one of the batch.
        const taken = new Set((reserved?.occupied ?? []).map((position) => position - 1));
        const blockers = jobLaneIndexes.map((indexes) => {
          let count = 0;
          for (const index of indexes) if (taken.has(index)) count++;
          for (const index of indexes) taken.add(index);
          return count;
        });
        const laneDocs: string[] = [];
        const laneBranches: string[] = [];
        const laneScopes: string[] = [];
        const laneSeqs: string[] = [];
        jobs.forEach((job, i) => {
          for (const scope of job.scopes) {
            laneDocs.push(job.documentId);
            laneBranches.push(job.branch);
            laneScopes.push(scope);
            laneSeqs.push(String(seqs[i]));
          }
        });
        await run(client, insertJobs, [
          seqs.map(String),
          jobs.map((job) => job.id),
          jobs.map((job) => job.documentId),
          jobs.map((job) => job.branch),
          jobs.map((job) => JSON.stringify(job.scopes)),
          jobs.map((job) => JSON.stringify(job.actions)),
          jobs.map((job) => job.resultingHash ?? null),
          jobs.map((job) => job.maxRetries ?? null),
          jobs.map((job) => job.runAt ?? null),
          jobs.map((job) => (job.meta === undefined ? null : JSON.stringify(job.meta))),
          blockers,
          laneDocs,
          laneBranches,
          laneScopes,
          laneSeqs,
          jobs[0]?.createdAt ?? this.#clock.now(),
          this.#channel,
          this.#origin,
          jobs.map((job) =>
            job.handler === undefined
              ? null
              : JSON.stringify({ type: job.handler, input: job.input ?? null }),
          ),
        ]);
      });
    } catch (error) {
      if (sqlState(error) === '23505' && constraintOf(error) === 'jobs_id_key') {
        throw duplicateId(idOfConflict(error) ?? '', 'which the queue already holds');
      }
      throw error;
    }
  }
}

function bySeq(a: JobRow, b: JobRow): number {
  return a.seq.length - b.seq.length || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);
}

/** The lanes of a job row as the three arrays `lockLanes` takes. */
function jobLanes(job: JobRow): [string[], string[], string[]] {
  return [job.scopes.map(() => job.document_id), job.scopes.map(() => job.branch), job.scopes];
}

function duplicateId(id: string, where: string): JobValidationError {
  return new JobValidationError(
    'id',
    `expected a unique job id, got ${JSON.stringify(id)} ${where}`,
  );
}

function notHalted(jobId: string, job: QueuedJob | undefined): JobValidationError {
  return new JobValidationError(
    'jobId',
    `expected the id of a job halted by a failure, got ${JSON.stringify(jobId)}, which is ${
      job === undefined ? 'unknown' : `${job.status} and not halted`
    }`,
  );
}

function constraintOf(error: unknown): string | undefined {
  return (error as { constraint?: string }).constraint;
}

/** The id in a unique violation's detail: `Key (id)=(…) already exists.` */
function idOfConflict(error: unknown): string | undefined {
  const detail = (error as { detail?: string }).detail;
  return detail === undefined
    ? undefined
    : /^Key \(id\)=\((.*)\) already exists\.$/s.exec(detail)?.[1];
}
