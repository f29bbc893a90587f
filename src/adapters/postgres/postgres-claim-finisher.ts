/**
 * Ends claims in batches: the `complete` / `fail` / `release` calls made in one tick become one
 * statement, each still fenced by its own claim token.
 * @module
 */
import type { Pool } from 'pg';
import type { Clock } from '../../clock.js';
import { StaleClaimError } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import type { ClaimRef, IEventBus, JobFailure } from '../ports.js';
import { isClaimToken } from './job-row.js';
import { TickBatcher } from './postgres-tick-batcher.js';
import { isRerunnable } from './postgres-transaction.js';
import { finishClaims } from './statements/finish-claims.js';
import { run } from './statements/statement.js';

/** How a claim ends. */
export type FinishKind = 'complete' | 'fail' | 'release';

/** What {@link PostgresClaimFinisher} needs from its queue. */
export type PostgresClaimFinisherOptions = {
  pool: Pool;
  clock: Clock;
  bus?: IEventBus;
  ready: () => Promise<void>;
  channel: string;
  origin: string;
  /** The queue's held claim tokens: an ended (or unrecordable) claim is removed. */
  held: Set<string> /** Receives a batch's error that no call could be told of (see `TickBatcher`). */;
  onError?: (error: unknown) => void;
};

/** One call waiting for its batch. */
type Finish = {
  ref: ClaimRef;
  kind: FinishKind;
  attempts: number;
  failure?: JobFailure;
  /** A release that flags the job: an attempt's write may be stored (`ReleaseOptions`). */
  outcomeUnknown: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
};

/** Most claims ended by one call (their lanes are locked one by one). */
const MAX_FINISH_BATCH = 200;
/**
 * Batches in flight at once, as for appends (`APPEND_PARALLEL`): the ends of claims are on the
 * path of every job that no append completes (handler jobs). One at a time, a cap's worth of
 * jobs ending together became one batch, and the slots waited on it in lockstep: P7-PG (10k
 * no-op handler jobs, 1,000 keys, cap 100, one process), ~100 batches of ~100 claims, 49-86 ms
 * each, 1,259-1,426 jobs/s. Two split the waiting ends over two connections, and the jobs
 * whose batch came back run while the other is written, so batches shrink to ~30 (16-26 ms) and
 * no longer move in lockstep: 1,981-3,194 jobs/s in the same sessions (3 or 4: no better). Both
 * batches take their lanes' locks in key order (`lock_lanes`), so they cannot deadlock each
 * other, and a job's later ends wait for the batch writing its first one (see `#take`).
 */
const FINISH_PARALLEL = 2;

/**
 * Group commit for the ends of claims ({@link TickBatcher}): calls made in one tick are flushed
 * together (two batches on two connections when enough wait, see `FINISH_PARALLEL`), and while
 * batches are being written, new calls gather for the next ones, so batches grow with the load.
 * One batch is one statement, one round trip (`finishClaims`, the function `finish_claims`): lock the lanes of the jobs that leave them (completed, or failed without
 * `halt`), end every claim whose token still holds, remove the leaving jobs from their lanes, and
 * confirm as a no-op success an end repeated the same way with the same token (or a `complete`
 * whose job a `store.append` completed with that claim).
 * Each call is answered on its own: resolved, or `StaleClaimError` when its token did not hold.
 *
 * When a batch cannot be recorded at all (the database failed), every call of it is rejected
 * with that error and its claims stop being heartbeated, so that the reaper returns their jobs to
 * the queue instead of leaving them RUNNING for as long as this process lives.
 */
export class PostgresClaimFinisher {
  readonly #options: PostgresClaimFinisherOptions;
  readonly #batcher: TickBatcher<Finish>;
  /** Jobs whose end a batch in flight is writing. */
  readonly #inFlight = new Set<string>();

  constructor(options: PostgresClaimFinisherOptions) {
    this.#options = options;
    this.#batcher = new TickBatcher({
      onError: options.onError,
      take: (waiting, limit) => this.#take(waiting, Math.min(limit, MAX_FINISH_BATCH)),
      write: async (batch) => {
        try {
          await this.#finishBatch(batch);
        } finally {
          for (const item of batch) this.#inFlight.delete(item.ref.jobId);
        }
      },
      parallel: FINISH_PARALLEL,
    });
  }

  /** Ends a claim with the batch of this tick (`outcomeUnknown`: a release flags the job). */
  finish(
    ref: ClaimRef,
    kind: FinishKind,
    attempts: number,
    failure?: JobFailure,
    outcomeUnknown = false,
  ): Promise<void> {
    if (!isClaimToken(ref.token) || typeof ref.jobId !== 'string') {
      return Promise.reject(new StaleClaimError(ref.jobId));
    }
    return new Promise<void>((resolve, reject) => {
      this.#batcher.add({ ref, kind, attempts, failure, outcomeUnknown, resolve, reject });
    });
  }

  /** Resolves once every call made so far is answered. */
  drain(): Promise<void> {
    return this.#batcher.drain();
  }

  /**
   * The next batch: at most `max` calls, in order, each job once and none whose end a batch in
   * flight is writing. A job's later calls wait for the batch before them to end, so the ends of
   * one job are written one after another, in call order, and each gets its own answer (a repeat
   * is confirmed, another kind is stale).
   */
  #take(waiting: Finish[], max: number): { batch: Finish[]; rest: Finish[] } {
    const batch: Finish[] = [];
    const rest: Finish[] = [];
    for (const item of waiting) {
      const { jobId } = item.ref;
      if (batch.length < max && !this.#inFlight.has(jobId)) {
        this.#inFlight.add(jobId);
        batch.push(item);
      } else {
        rest.push(item);
      }
    }
    return { batch, rest };
  }

  async #finishBatch(batch: Finish[]): Promise<void> {
    const { pool, clock, bus, ready, channel, origin, held } = this.#options;
    let ended: Set<string>;
    try {
      await ready();
      const rows = await rerun(() =>
        run<{ id: string }>(pool, finishClaims, [
          batch.map((item) => item.ref.jobId),
          batch.map((item) => item.ref.token),
          batch.map((item) => item.kind),
          batch.map((item) => item.attempts),
          batch.map((item) => item.failure?.errorCode ?? null),
          batch.map((item) => item.failure?.errorMessage ?? null),
          batch.map((item) => item.failure?.halt === true),
          batch.map((item) => item.outcomeUnknown),
          clock.now(),
          channel,
          origin,
        ]),
      );
      ended = new Set(rows.map((row) => row.id));
    } catch (error) {
      for (const item of batch) {
        held.delete(item.ref.token);
        item.reject(error);
      }
      return;
    }
    for (const item of batch) {
      held.delete(item.ref.token);
      if (!ended.has(item.ref.jobId)) {
        item.reject(new StaleClaimError(item.ref.jobId));
        continue;
      }
      item.resolve();
      // After the answer: a throwing custom bus must not leave the batch's later calls unanswered.
      if (item.kind === 'release') {
        bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId: item.ref.jobId });
      }
    }
  }
}

/** Runs one autocommit statement again after a deadlock or serialization failure (rolled back). */
async function rerun<T>(statement: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if (attempt >= attempts || !isRerunnable(error)) throw error;
    }
  }
}
