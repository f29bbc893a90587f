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
import { TickBatcher, takeUpTo } from './postgres-tick-batcher.js';
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
  resolve: () => void;
  reject: (error: unknown) => void;
};

/** Most claims ended by one call (their lanes are locked one by one). */
const MAX_FINISH_BATCH = 200;

/**
 * Group commit for the ends of claims ({@link TickBatcher}): calls made in one tick are flushed
 * together, and while a batch is being written, new calls gather for the next one, so batches
 * grow with the load. One batch is one statement, one round trip (`finishClaims`, the function
 * `finish_claims`): lock the lanes of the jobs that leave them (completed, or failed without
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

  constructor(options: PostgresClaimFinisherOptions) {
    this.#options = options;
    this.#batcher = new TickBatcher({
      onError: options.onError,
      take: (waiting, limit) => {
        // The same job twice goes to the next batch, so each call gets its own answer.
        const jobIds = new Set<string>();
        return takeUpTo(
          waiting,
          Math.min(limit, MAX_FINISH_BATCH),
          (item) => !jobIds.has(item.ref.jobId),
          (item) => jobIds.add(item.ref.jobId),
        );
      },
      write: (batch) => this.#finishBatch(batch),
    });
  }

  /** Ends a claim with the batch of this tick. */
  finish(ref: ClaimRef, kind: FinishKind, attempts: number, failure?: JobFailure): Promise<void> {
    if (!isClaimToken(ref.token) || typeof ref.jobId !== 'string') {
      return Promise.reject(new StaleClaimError(ref.jobId));
    }
    return new Promise<void>((resolve, reject) => {
      this.#batcher.add({ ref, kind, attempts, failure, resolve, reject });
    });
  }

  /** Resolves once every call made so far is answered. */
  drain(): Promise<void> {
    return this.#batcher.drain();
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
