/**
 * Ends claims in batches: the `complete` / `fail` / `release` calls made in one tick become one
 * transaction, each still fenced by its own claim token.
 * @internal
 * @module
 */
import type { Pool } from 'pg';
import type { Clock } from '../../clock.js';
import { StaleClaimError } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import type { ClaimRef, IEventBus, JobFailure } from '../ports.js';
import { isClaimToken } from './job-row.js';
import { inTransaction, isRerunnable } from './postgres-transaction.js';
import { confirmAppendedClaims } from './statements/confirm-appended-claims.js';
import { finishClaims } from './statements/finish-claims.js';
import { leaveLanes } from './statements/leave-lanes.js';
import { lockLanes } from './statements/lock-lanes.js';
import { type Queryable, run } from './statements/statement.js';

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
  held: Set<string>;
};

/** One call waiting for its batch. */
type Finish = {
  ref: ClaimRef;
  kind: FinishKind;
  attempts: number;
  failure?: JobFailure;
  resolve: () => void;
  reject: (error: unknown) => void;
};

type FinishRow = { id: string; seq: string; kind: FinishKind; leaves: boolean };

/** Most claims ended by one transaction (their lanes are locked one by one). */
const MAX_FINISH_BATCH = 200;

/**
 * Group commit for the ends of claims. Calls made in one tick are queued and flushed in a
 * microtask (not a timer: nothing waits on the clock); while a batch is being written, new calls
 * gather for the next one, so batches grow with the load. One batch is one transaction: lock the
 * lanes of the jobs that leave them (completed, or failed without `halt`), end every claim whose
 * token still holds (`finishClaims`), remove the leaving jobs from their lanes (`leaveLanes`).
 * Each call is answered on its own: resolved, or `StaleClaimError` when its token did not hold.
 * A `complete` whose token matched nothing may follow a `store.append` that completed the job
 * with that claim: it is confirmed as a no-op success (`confirmAppendedClaims`).
 *
 * When a batch cannot be recorded at all (the database failed), every call of it is rejected
 * with that error and its claims stop being heartbeated, so that the reaper returns their jobs to
 * the queue instead of leaving them RUNNING for as long as this process lives.
 */
export class PostgresClaimFinisher {
  readonly #options: PostgresClaimFinisherOptions;
  #waiting: Finish[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | undefined;

  constructor(options: PostgresClaimFinisherOptions) {
    this.#options = options;
  }

  /** Ends a claim with the batch of this tick. */
  finish(ref: ClaimRef, kind: FinishKind, attempts: number, failure?: JobFailure): Promise<void> {
    if (!isClaimToken(ref.token) || typeof ref.jobId !== 'string') {
      return Promise.reject(new StaleClaimError(ref.jobId));
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ ref, kind, attempts, failure, resolve, reject });
      if (this.#flushScheduled || this.#flushing !== undefined) return;
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        if (this.#flushing === undefined) this.#startFlush();
      });
    });
  }

  /** Resolves once every call made so far is answered. */
  async drain(): Promise<void> {
    while (this.#flushing !== undefined || this.#waiting.length > 0) {
      if (this.#flushing === undefined) this.#startFlush();
      await this.#flushing;
    }
  }

  /** Ends the waiting calls, one batch at a time; calls made meanwhile form the next batch. */
  #startFlush(): void {
    this.#flushing = (async () => {
      while (this.#waiting.length > 0) {
        const batch: Finish[] = [];
        const rest: Finish[] = [];
        const jobIds = new Set<string>();
        for (const item of this.#waiting) {
          // The same job twice goes to the next batch, so each call gets its own answer.
          if (batch.length >= MAX_FINISH_BATCH || jobIds.has(item.ref.jobId)) rest.push(item);
          else {
            jobIds.add(item.ref.jobId);
            batch.push(item);
          }
        }
        this.#waiting = rest;
        await this.#finishBatch(batch);
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
  }

  async #finishBatch(batch: Finish[]): Promise<void> {
    const { pool, clock, bus, ready, channel, origin, held } = this.#options;
    const now = clock.now();
    const leaving = batch.filter(
      (item) => item.kind === 'complete' || (item.kind === 'fail' && !item.failure?.halt),
    );
    const end = async (db: Queryable): Promise<FinishRow[]> => {
      if (leaving.length > 0) {
        await run(db, lockLanes, [
          [],
          [],
          [],
          leaving.map((item) => item.ref.jobId),
          leaving.map((item) => item.ref.token),
        ]);
      }
      const rows = await run<FinishRow>(db, finishClaims, [
        batch.map((item) => item.ref.jobId),
        batch.map((item) => item.ref.token),
        batch.map((item) => item.kind),
        batch.map((item) => item.attempts),
        batch.map((item) => item.failure?.errorCode ?? null),
        batch.map((item) => item.failure?.errorMessage ?? null),
        batch.map((item) => item.failure?.halt === true),
        now,
        channel,
        origin,
      ]);
      const seqs = rows.filter((row) => row.leaves).map((row) => row.seq);
      if (seqs.length > 0) await run(db, leaveLanes, [seqs, channel, origin]);
      return rows;
    };
    let ended: Set<string>;
    try {
      await ready();
      // Without lanes to lock, the batch is one statement: no transaction needed.
      const rows =
        leaving.length > 0 ? await inTransaction(pool, end) : await rerun(() => end(pool));
      ended = new Set(rows.map((row) => row.id));
      const unmatched = batch.filter(
        (item) => item.kind === 'complete' && !ended.has(item.ref.jobId),
      );
      if (unmatched.length > 0) {
        const confirmed = await run<{ id: string }>(pool, confirmAppendedClaims, [
          unmatched.map((item) => item.ref.jobId),
          unmatched.map((item) => item.ref.token),
          unmatched.map((item) => item.attempts),
        ]);
        for (const row of confirmed) ended.add(row.id);
      }
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
      if (item.kind === 'release') {
        bus?.publish(QueueEventTypes.JOB_AVAILABLE, { jobId: item.ref.jobId });
      }
      item.resolve();
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
