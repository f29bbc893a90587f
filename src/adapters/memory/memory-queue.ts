/**
 * The in-memory job queue: lanes as FIFOs, ready lane heads in a heap.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../clock.js';
import { JobValidationError, StaleClaimError } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import { laneKey } from '../../lane-key.js';
import {
  type HandlerJobInput,
  type Job,
  type JobInput,
  JobStatus,
  type LaneRef,
} from '../../types.js';
import { prepareJobInput, prepareJobInputs, toJob } from '../../validate-job.js';
import {
  type LaneSummary,
  type LanesPage,
  type LanesQuery,
  pageOf,
  type QueueOverview,
} from '../lanes-view.js';
import type {
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
import { MinHeap } from './min-heap.js';

/** Options of {@link MemoryQueue}. */
export type MemoryQueueOptions = {
  /** Where `jobAvailable` is published. @default none: nothing is published */
  bus?: IEventBus;
  /** Time of `createdAt`, `finishedAt` and of `runAt` checks. @default systemClock */
  clock?: Clock;
  /** Id of a job enqueued without one. @default crypto.randomUUID */
  idFactory?: () => string;
  /** Finished jobs kept for `get` and `counts`; the oldest are dropped first. @default 100000 */
  retainFinished?: number;
};

/** A lane: its unfinished jobs in enqueue order, from `items[head]` on. */
type Lane = {
  readonly key: string;
  readonly documentId: string;
  readonly scope: string;
  readonly branch: string;
  /** `items[head]` is never a cancelled entry; cancelled entries behind it are skipped lazily. */
  items: Entry[];
  head: number;
};

/** Which heap holds an entry (each entry is in at most one, at most once). */
const NO_HEAP = 0;
const READY_HEAP = 1;
const DELAYED_HEAP = 2;

type Entry = {
  /** The stored job; callers only ever see copies. */
  readonly job: Job;
  /** Position in the total enqueue order. */
  readonly seq: number;
  lanes: Lane[];
  /** Token of the claim that holds the job, while it is `RUNNING`. */
  token: string | undefined;
  /**
   * The token of the last claim that ended and how it ended, so that ending it again the same way
   * is a no-op (two fields, not an object: one allocation fewer per job).
   */
  endedToken: string | undefined;
  endedKind: EndKind | undefined;
  heap: typeof NO_HEAP | typeof READY_HEAP | typeof DELAYED_HEAP;
  cancelled: boolean;
  halted: boolean;
  finishedAt: number | undefined;
  lastError: { code: number; message: string } | undefined;
  /** A completed handler job's return value. */
  output?: unknown;
};

type EndKind = 'complete' | 'fail' | 'release';

const NO_LANES: Lane[] = [];
/** The answer of every `complete` that succeeds (a settled promise can be shared). */
const DONE: Promise<void> = Promise.resolve();
/** Past this many consumed slots a FIFO is compacted (when they are at least half of it). */
const COMPACT_AFTER = 1024;

/** Claim calls remembered for `reclaim`: far more than a runtime leaves unanswered at once. */
const RECLAIMABLE_REQUESTS = 4096;

/**
 * An {@link IQueue} in memory: the default for library use and tests.
 *
 * Each lane is a FIFO of its unfinished jobs. A job is *ready* when it is `PENDING` and the head of
 * every one of its lanes; ready jobs wait in a min-heap by enqueue order (or, until their `runAt`,
 * in a min-heap by `runAt`), so a claim costs O(log n) per job and never scans the backlog. Since
 * every ready job heads all its lanes, no two ready jobs share a lane: popping the oldest ready
 * jobs is exactly "one head per lane, oldest first, then the limit". `claimLane` takes a lane's
 * ready head directly and leaves it in the heap, where `claim` skips it (lazy deletion).
 *
 * Finished jobs stay readable through `get` and are counted by `counts` until `retainFinished`
 * newer jobs have finished; a cancelled job is removed at once. Ids must be unique among the jobs
 * the queue holds. `close` is a no-op.
 *
 * @example
 * const bus = new MemoryEventBus();
 * const queue = new MemoryQueue({ bus });
 * await queue.enqueue({ documentId: 'doc-1', scopes: ['global'], actions: [action] });
 * const [claim] = await queue.claim('runner-1', 10);
 * await queue.complete({ jobId: claim.job.id, token: claim.token }, claim.job.attempts);
 */
export class MemoryQueue implements IQueue {
  readonly #bus: IEventBus | undefined;
  readonly #clock: Clock;
  readonly #idFactory: () => string;
  readonly #retainFinished: number;

  /** Every job held: unfinished, halted, and the retained finished ones. */
  readonly #jobs = new Map<string, Entry>();
  /** Lanes with at least one unfinished (or halted) job. */
  readonly #lanes = new Map<string, Lane>();
  readonly #ready = new MinHeap<Entry>((a, b) => a.seq < b.seq);
  readonly #delayed = new MinHeap<Entry>(
    (a, b) =>
      (a.job.runAt as number) < (b.job.runAt as number) ||
      (a.job.runAt === b.job.runAt && a.seq < b.seq),
  );
  readonly #halted = new Set<Entry>();
  /** Finished entries in finishing order, from `#finishedHead` on, for retention. */
  #finished: Entry[] = [];
  #finishedHead = 0;

  /** Entries left in `#ready` by `claimLane` (an estimate: it only decides when to rebuild). */
  #staleReady = 0;
  #seq = 0;
  #tokens = 0;
  /**
   * The claims of the latest claim calls, for `reclaim` (a runtime whose call failed without its
   * answer): a ring of the last {@link RECLAIMABLE_REQUESTS} calls that claimed anything, as three
   * parallel arrays (runner, request, claims: one claim for `claimLane`), so remembering a call
   * allocates nothing; `reclaim`, which only follows a failure, searches it newest first.
   */
  readonly #requestRunners: (string | undefined)[] = new Array(RECLAIMABLE_REQUESTS);
  readonly #requestIds: (string | undefined)[] = new Array(RECLAIMABLE_REQUESTS);
  readonly #requestClaims: (Claim | Claim[] | undefined)[] = new Array(RECLAIMABLE_REQUESTS);
  /** Calls remembered so far; the next goes to `#requestCount % RECLAIMABLE_REQUESTS`. */
  #requestCount = 0;
  #pending = 0;
  #running = 0;
  #completed = 0;
  #failed = 0;

  constructor(options: MemoryQueueOptions = {}) {
    const retain = options.retainFinished ?? 100_000;
    if (!Number.isInteger(retain) || retain < 0) {
      throw new JobValidationError(
        'retainFinished',
        `expected \`retainFinished\` to be an integer ≥ 0, got ${String(retain)}`,
      );
    }
    this.#bus = options.bus;
    this.#clock = options.clock ?? systemClock;
    this.#idFactory = options.idFactory ?? randomUUID;
    this.#retainFinished = retain;
  }

  /** Validates and enqueues (a copy of) one job; publishes `jobAvailable`. */
  async enqueue(input: JobInput | HandlerJobInput): Promise<Job> {
    const copy = prepareJobInput(input);
    const now = this.#clock.now();
    const job = toJob(copy, { createdAt: now, generateId: this.#idFactory });
    this.#checkNewId(job.id, undefined);
    this.#insert(job, now);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {
      jobId: job.id,
      documentId: job.documentId,
    });
    return { ...job };
  }

  /** Validates all inputs, then enqueues all of them in order (or none); publishes `jobAvailable` once. */
  async enqueueMany(inputs: (JobInput | HandlerJobInput)[]): Promise<Job[]> {
    const copies = prepareJobInputs(inputs);
    if (copies.length === 0) return [];
    const now = this.#clock.now();
    const defaults = { createdAt: now, generateId: this.#idFactory };
    const jobs = copies.map((copy) => toJob(copy, defaults));
    const batch = new Set<string>();
    for (const job of jobs) {
      this.#checkNewId(job.id, batch);
      batch.add(job.id);
    }
    for (const job of jobs) this.#insert(job, now);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {});
    return jobs.map((job) => ({ ...job }));
  }

  /** Claims up to `limit` ready, due jobs, oldest first (see {@link IQueue}). */
  async claim(runnerId: string, limit: number, request: string = randomUUID()): Promise<Claim[]> {
    const claims: Claim[] = [];
    if (!(limit >= 1)) return claims;
    this.#promoteDue(this.#clock.now());
    while (claims.length < limit) {
      const entry = this.#ready.pop();
      if (entry === undefined) break;
      // Lazily deleted: cancelled, claimed by `claimLane` while in the heap, or put to sleep
      // since (then it waits in the delayed heap, which its `heap` names: leave that as it is).
      if (entry.heap !== READY_HEAP) {
        this.#staleReady = Math.max(0, this.#staleReady - 1);
        continue;
      }
      entry.heap = NO_HEAP;
      if (entry.cancelled || entry.job.status !== JobStatus.PENDING) {
        this.#staleReady = Math.max(0, this.#staleReady - 1);
        continue;
      }
      claims.push(this.#take(entry, request));
    }
    this.#remember(runnerId, request, claims);
    return claims;
  }

  /** The claims the call named `request` made that still hold their jobs (see {@link IQueue.reclaim}). */
  async reclaim(runnerId: string, request: string): Promise<Claim[]> {
    const claims = this.#remembered(runnerId, request);
    return claims
      .filter(({ job, token }) => this.#jobs.get(job.id)?.token === token)
      .map(({ job, token }) => ({ job: { ...(this.#jobs.get(job.id) as Entry).job }, token }));
  }

  #remember(runnerId: string, request: string, claims: Claim | Claim[]): void {
    if (Array.isArray(claims) && claims.length === 0) return;
    const at = this.#requestCount++ % RECLAIMABLE_REQUESTS;
    this.#requestRunners[at] = runnerId;
    this.#requestIds[at] = request;
    this.#requestClaims[at] = claims;
  }

  /** The claims the latest remembered call of `runnerId` named `request` made, if any. */
  #remembered(runnerId: string, request: string): Claim[] {
    const remembered = Math.min(this.#requestCount, RECLAIMABLE_REQUESTS);
    for (let back = 1; back <= remembered; back++) {
      const at = (this.#requestCount - back) % RECLAIMABLE_REQUESTS;
      if (this.#requestIds[at] !== request || this.#requestRunners[at] !== runnerId) continue;
      const claims = this.#requestClaims[at] as Claim | Claim[];
      return Array.isArray(claims) ? claims : [claims];
    }
    return [];
  }

  /**
   * Claims the head of one lane when it is ready (see {@link IQueue.claimLane}): O(1), plus a
   * promotion when the head was delayed and is due.
   */
  async claimLane(
    runnerId: string,
    lane: LaneRef,
    request: string = randomUUID(),
  ): Promise<Claim | undefined> {
    const found = this.#lanes.get(laneKey(lane.documentId, lane.scope, lane.branch));
    if (found === undefined) return undefined;
    const entry = found.items[found.head] as Entry;
    // An entry in the ready heap heads all its lanes; a pending one is not claimed yet.
    if (entry.job.status !== JobStatus.PENDING) return undefined;
    if (entry.heap === DELAYED_HEAP) this.#promoteDue(this.#clock.now());
    if (entry.heap !== READY_HEAP) return undefined;
    // It stays in the ready heap, where `claim` skips it; rebuild once most entries are stale.
    if (++this.#staleReady > COMPACT_AFTER && this.#staleReady * 2 > this.#ready.size) {
      this.#ready.filter((e) => {
        if (e.heap !== READY_HEAP) return false; // a stale copy of a sleeping entry
        const live = !e.cancelled && e.job.status === JobStatus.PENDING && e !== entry;
        if (!live) e.heap = NO_HEAP;
        return live;
      });
      this.#staleReady = 0;
    }
    const claim = this.#take(entry, request);
    this.#remember(runnerId, request, claim);
    return claim;
  }

  /**
   * Finishes a claimed job successfully and frees its lanes. Once the claim is completed (by an
   * earlier `complete`, or inside `store.append`), `complete` with its token succeeds without
   * changing anything.
   */
  complete(ref: ClaimRef, attempts: number, output?: unknown): Promise<void> {
    // Not `async`: every job ends here, and one shared settled promise is one allocation fewer.
    try {
      this.completeClaimWithin(ref, attempts, output);
    } catch (error) {
      return Promise.reject(error);
    }
    return DONE;
  }

  /**
   * Throws `StaleClaimError` unless `ref` still holds its running job (or completed it already:
   * a repeated completion is a no-op). The store's `append` asks before it writes.
   */
  assertClaimHeld(ref: ClaimRef): void {
    const entry = this.#jobs.get(ref.jobId);
    if (entry !== undefined && entry.token !== undefined && entry.token === ref.token) return;
    if (entry?.endedToken === ref.token && entry.endedKind === 'complete') return;
    throw new StaleClaimError(ref.jobId);
  }

  /**
   * Completes the claim synchronously (the store's `append` calls it right after its write, in
   * the same turn), storing `attempts` when given; a later `complete` with its token is a no-op
   * success. Throws `StaleClaimError` when the claim is stale.
   */
  completeClaimWithin(ref: ClaimRef, attempts?: number, output?: unknown): void {
    const entry = this.#held(ref, 'complete');
    if (entry === undefined) return;
    const now = this.#clock.now();
    if (output !== undefined) entry.output = structuredClone(output);
    entry.job.status = JobStatus.COMPLETED;
    if (attempts !== undefined) entry.job.attempts = attempts;
    if (entry.job.outcomeUnknown) delete entry.job.outcomeUnknown;
    entry.token = undefined;
    entry.finishedAt = now;
    this.#running -= 1;
    this.#completed += 1;
    this.#leaveLanes(entry, now);
    this.#retain(entry);
  }

  /** Fails a claimed job for good; with `halt` it keeps blocking its lanes until `retry` or `skip`. */
  async fail(ref: ClaimRef, failure: JobFailure): Promise<void> {
    const entry = this.#held(ref, 'fail');
    if (entry === undefined) return;
    const now = this.#clock.now();
    entry.job.status = JobStatus.FAILED;
    entry.job.attempts = failure.attempts;
    if (entry.job.outcomeUnknown) delete entry.job.outcomeUnknown;
    entry.token = undefined;
    entry.finishedAt = now;
    entry.lastError = { code: failure.errorCode, message: failure.errorMessage };
    this.#running -= 1;
    this.#failed += 1;
    if (failure.halt) {
      entry.halted = true;
      this.#halted.add(entry);
    } else {
      this.#leaveLanes(entry, now);
      this.#retain(entry);
    }
  }

  /**
   * Puts a claimed job back to `PENDING` at its place (still the head of its lanes), flagged when
   * `options.outcomeUnknown` (kept until it completes or fails, see `ReleaseOptions`).
   */
  async release(ref: ClaimRef, attempts: number, options?: ReleaseOptions): Promise<void> {
    const entry = this.#held(ref, 'release');
    if (entry === undefined) return;
    entry.job.status = JobStatus.PENDING;
    entry.job.attempts = attempts;
    if (options?.outcomeUnknown === true) entry.job.outcomeUnknown = true;
    entry.token = undefined;
    this.#running -= 1;
    this.#pending += 1;
    this.#schedule(entry, this.#clock.now());
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {
      jobId: entry.job.id,
      documentId: entry.job.documentId,
    });
  }

  /**
   * Puts a claimed job back to `PENDING` at its place, not due before `sleep.wakeAt` (a stateful
   * handler's `ctx.wait`): it still heads its lanes, so no later job of them is claimed first.
   */
  async sleep(ref: ClaimRef, sleep: JobSleep): Promise<void> {
    const entry = this.#held(ref, 'release');
    if (entry === undefined) return;
    entry.job.status = JobStatus.PENDING;
    entry.job.attempts = sleep.attempts;
    entry.job.runAt = sleep.wakeAt;
    entry.token = undefined;
    this.#running -= 1;
    this.#pending += 1;
    // Claimed by `claimLane`, it may still be in the ready heap (lazily deleted); `#schedule`
    // puts it in the delayed heap all the same, and `claim` skips the ready copy, whose entry no
    // longer says READY_HEAP (or, due at once, takes one of its two ready copies).
    entry.heap = NO_HEAP;
    this.#schedule(entry, this.#clock.now());
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {
      jobId: entry.job.id,
      documentId: entry.job.documentId,
    });
  }

  /** Stores a detached copy of `checkpoint` on the running job the claim holds (`null` clears it). */
  async saveCheckpoint(ref: ClaimRef, checkpoint: unknown): Promise<void> {
    const entry = this.#jobs.get(ref.jobId);
    if (entry === undefined || entry.token === undefined || entry.token !== ref.token) {
      throw new StaleClaimError(ref.jobId);
    }
    if (checkpoint === null || checkpoint === undefined) delete entry.job.checkpoint;
    else entry.job.checkpoint = structuredClone(checkpoint);
  }

  /** A copy of the job with how it ended, or undefined when unknown (or no longer retained). */
  async get(jobId: string): Promise<QueuedJob | undefined> {
    const entry = this.#jobs.get(jobId);
    if (entry === undefined) return undefined;
    const job: QueuedJob = { ...entry.job };
    if (job.checkpoint !== undefined) job.checkpoint = structuredClone(job.checkpoint);
    if (entry.finishedAt !== undefined) job.finishedAt = entry.finishedAt;
    if (entry.lastError !== undefined) job.lastError = { ...entry.lastError };
    if (entry.halted) job.halted = true;
    if (entry.output !== undefined) job.output = structuredClone(entry.output);
    return job;
  }

  /** Jobs per status, finished ones while retained. */
  async counts(): Promise<QueueCounts> {
    return {
      pending: this.#pending,
      running: this.#running,
      completed: this.#completed,
      failed: this.#failed,
    };
  }

  /** Pending jobs: waiting for their lanes, for their `runAt`, or ready. */
  async backlog(): Promise<number> {
    return this.#pending;
  }

  /** Earliest `runAt` of a pending lane head that is not due yet. */
  async nextRunAt(): Promise<number | undefined> {
    this.#promoteDue(this.#clock.now());
    return this.#delayed.peek()?.job.runAt;
  }

  /** The lanes of halted jobs, in the order the jobs failed. */
  async blockedLanes(): Promise<BlockedLane[]> {
    const blocked: BlockedLane[] = [];
    for (const entry of this.#halted) {
      for (const lane of entry.lanes) {
        blocked.push({
          documentId: lane.documentId,
          scope: lane.scope,
          branch: lane.branch,
          jobId: entry.job.id,
          errorCode: entry.lastError?.code,
          errorMessage: entry.lastError?.message,
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
    const entry = this.#haltedEntry(jobId);
    entry.halted = false;
    entry.endedToken = undefined;
    entry.endedKind = undefined;
    this.#halted.delete(entry);
    entry.job.status = JobStatus.PENDING;
    entry.job.attempts = 0;
    entry.finishedAt = undefined;
    this.#failed -= 1;
    this.#pending += 1;
    this.#schedule(entry, this.#clock.now());
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId, documentId: entry.job.documentId });
  }

  /**
   * Lets a halted job (which stays `FAILED`) stop blocking its lanes; publishes `jobAvailable`.
   * Throws a `JobValidationError` on `jobId` when the job is not halted.
   */
  async skip(jobId: string): Promise<void> {
    const entry = this.#haltedEntry(jobId);
    entry.halted = false;
    this.#halted.delete(entry);
    this.#leaveLanes(entry, this.#clock.now());
    this.#retain(entry);
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId, documentId: entry.job.documentId });
  }

  /** Removes a pending job (delayed or not, head or not); false when it is not pending. */
  async cancel(jobId: string): Promise<boolean> {
    const entry = this.#jobs.get(jobId);
    if (entry === undefined || entry.job.status !== JobStatus.PENDING) return false;
    entry.cancelled = true; // heaps and lane FIFOs drop it lazily
    this.#jobs.delete(jobId);
    this.#pending -= 1;
    this.#leaveLanes(entry, this.#clock.now());
    this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, { documentId: entry.job.documentId });
    return true;
  }

  /** Counts, oldest pending job and blocked lanes (README: Dashboard). */
  async overview(): Promise<QueueOverview> {
    let retrying = 0;
    let oldest: Entry | undefined;
    for (const entry of this.#jobs.values()) {
      if (entry.job.status !== JobStatus.PENDING) continue;
      if (entry.job.attempts > 0) retrying += 1;
      if (oldest === undefined || entry.seq < oldest.seq) oldest = entry;
    }
    let blockedLanes = 0;
    for (const entry of this.#halted) blockedLanes += entry.lanes.length;
    const overview: QueueOverview = {
      counts: await this.counts(),
      retrying,
      lanesWithWork: this.#lanes.size,
      blockedLanes,
    };
    if (oldest) overview.oldestPending = { jobId: oldest.job.id, createdAt: oldest.job.createdAt };
    return overview;
  }

  /** A page of the lanes with work, oldest head first (README: Dashboard). */
  async lanes(query?: LanesQuery): Promise<LanesPage> {
    const { offset, limit } = pageOf(query);
    const heads: { lane: Lane; head: Entry }[] = [];
    for (const lane of this.#lanes.values()) {
      const head = lane.items[lane.head] as Entry;
      if (query?.blocked && !head.halted) continue;
      heads.push({ lane, head });
    }
    heads.sort((a, b) => a.head.seq - b.head.seq || (a.lane.key < b.lane.key ? -1 : 1));
    const lanes = heads.slice(offset, offset + limit).map(({ lane, head }): LaneSummary => {
      let backlog = 0;
      for (let i = lane.head; i < lane.items.length; i++) {
        if (!(lane.items[i] as Entry).cancelled) backlog += 1;
      }
      const job = head.job;
      const summary: LaneSummary = {
        documentId: lane.documentId,
        scope: lane.scope,
        branch: lane.branch,
        backlog,
        head: {
          jobId: job.id,
          status: job.status,
          createdAt: job.createdAt,
          attempts: job.attempts,
          halted: head.halted,
          laneCount: head.lanes.length,
        },
      };
      if (job.runAt !== undefined) summary.head.runAt = job.runAt;
      if (head.halted && head.lastError) {
        summary.head.errorCode = head.lastError.code;
        summary.head.errorMessage = head.lastError.message;
      }
      return summary;
    });
    return { total: heads.length, offset, limit, lanes };
  }

  /** Nothing to release in memory. */
  async close(): Promise<void> {}

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  #checkNewId(id: string, batch: Set<string> | undefined): void {
    if (this.#jobs.has(id) || batch?.has(id)) {
      throw new JobValidationError(
        'id',
        `expected a unique job id, got ${JSON.stringify(id)}, which the queue already holds`,
      );
    }
  }

  #insert(job: Job, now: number): void {
    const entry: Entry = {
      job,
      seq: this.#seq++,
      lanes: new Array<Lane>(job.scopes.length),
      token: undefined,
      endedToken: undefined,
      endedKind: undefined,
      heap: NO_HEAP,
      cancelled: false,
      halted: false,
      finishedAt: undefined,
      lastError: undefined,
    };
    this.#jobs.set(job.id, entry);
    this.#pending += 1;
    let head = true;
    for (let i = 0; i < job.scopes.length; i++) {
      const scope = job.scopes[i] as string;
      const key = laneKey(job.documentId, scope, job.branch);
      let lane = this.#lanes.get(key);
      if (lane === undefined) {
        lane = { key, documentId: job.documentId, scope, branch: job.branch, items: [], head: 0 };
        this.#lanes.set(key, lane);
      }
      lane.items.push(entry);
      if (lane.items.length - lane.head !== 1) head = false;
      entry.lanes[i] = lane;
    }
    if (head) this.#schedule(entry, now);
  }

  /** Puts a ready entry in the ready heap, or in the delayed heap until its `runAt`. */
  #schedule(entry: Entry, now: number): void {
    if (entry.heap !== NO_HEAP) return;
    const runAt = entry.job.runAt;
    if (runAt !== undefined && runAt > now) {
      entry.heap = DELAYED_HEAP;
      this.#delayed.push(entry);
    } else {
      entry.heap = READY_HEAP;
      this.#ready.push(entry);
    }
  }

  /** Moves delayed entries that are due into the ready heap (dropping cancelled ones). */
  #promoteDue(now: number): void {
    for (;;) {
      const top = this.#delayed.peek();
      if (top === undefined || (!top.cancelled && (top.job.runAt as number) > now)) return;
      this.#delayed.pop();
      top.heap = NO_HEAP;
      if (!top.cancelled) this.#schedule(top, now);
    }
  }

  /** Claims a ready entry: `RUNNING`, one more attempt, a new token. */
  #take(entry: Entry, request: string): Claim {
    const job = entry.job;
    job.status = JobStatus.RUNNING;
    job.attempts += 1;
    const token = `${request}.${++this.#tokens}`;
    entry.token = token;
    entry.endedToken = undefined;
    entry.endedKind = undefined;
    this.#pending -= 1;
    this.#running += 1;
    const copy = { ...job };
    if (copy.checkpoint !== undefined) copy.checkpoint = structuredClone(copy.checkpoint);
    return { job: copy, token };
  }

  /**
   * The entry a claim token still holds, which the caller ends with `kind`; undefined when the
   * claim ended with `kind` already (a repeated end: a no-op); else a `StaleClaimError`.
   */
  #held(ref: ClaimRef, kind: EndKind): Entry | undefined {
    const entry = this.#jobs.get(ref.jobId);
    if (entry === undefined) throw new StaleClaimError(ref.jobId);
    if (entry.token === undefined || entry.token !== ref.token) {
      if (entry.endedToken === ref.token && entry.endedKind === kind) return undefined;
      throw new StaleClaimError(ref.jobId);
    }
    entry.endedToken = ref.token;
    entry.endedKind = kind;
    return entry;
  }

  #haltedEntry(jobId: string): Entry {
    const entry = this.#jobs.get(jobId);
    if (entry === undefined || !entry.halted) {
      throw new JobValidationError(
        'jobId',
        `expected the id of a job halted by a failure, got ${JSON.stringify(jobId)}, which is ${
          entry === undefined ? 'unknown' : `${entry.job.status} and not halted`
        }`,
      );
    }
    return entry;
  }

  /** Removes a finished or cancelled entry from its lanes and schedules the new heads that are ready. */
  #leaveLanes(entry: Entry, now: number): void {
    for (const lane of entry.lanes) {
      // A cancelled entry that is not a head stays in the FIFO until the head passes it.
      if (lane.items[lane.head] !== entry) continue;
      let items = lane.items;
      let head = lane.head + 1;
      while (head < items.length && (items[head] as Entry).cancelled) head++;
      if (head === items.length) {
        this.#lanes.delete(lane.key);
        lane.items = [];
        lane.head = 0;
        continue;
      }
      if (head >= COMPACT_AFTER && head * 2 >= items.length) {
        items = items.slice(head);
        lane.items = items;
        head = 0;
      }
      lane.head = head;
      const next = items[head] as Entry;
      if (next.job.status === JobStatus.PENDING && this.#headsAll(next)) this.#schedule(next, now);
    }
    entry.lanes = NO_LANES; // no longer needed: let the lanes be collected
  }

  #headsAll(entry: Entry): boolean {
    for (const lane of entry.lanes) {
      if (lane.items[lane.head] !== entry) return false;
    }
    return true;
  }

  /** Keeps a finished entry readable; drops the oldest beyond `retainFinished`. */
  #retain(entry: Entry): void {
    this.#finished.push(entry);
    while (this.#finished.length - this.#finishedHead > this.#retainFinished) {
      const old = this.#finished[this.#finishedHead++] as Entry;
      if (this.#jobs.get(old.job.id) === old) this.#jobs.delete(old.job.id);
      if (old.job.status === JobStatus.COMPLETED) this.#completed -= 1;
      else this.#failed -= 1;
    }
    if (this.#finishedHead >= COMPACT_AFTER && this.#finishedHead * 2 >= this.#finished.length) {
      this.#finished = this.#finished.slice(this.#finishedHead);
      this.#finishedHead = 0;
    }
  }
}
