/**
 * The reaper of the SQLite storage: stalled claims of dead runners go back to pending.
 * @module
 */
import type { Database, Transaction } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { JobErrorCodes } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import type { IEventBus } from '../ports.js';
import { JobLanes } from './job-lanes.js';
import { reapToFailed } from './statements/reap-to-failed.js';
import { reapToPending } from './statements/reap-to-pending.js';
import { selectStalledClaims } from './statements/select-stalled-claims.js';
import { type Prepared, prepare } from './statements/statement.js';

/** Options of {@link SqliteReaper}. */
export type SqliteReaperOptions = {
  /** Where `jobAvailable` is published when claims went back to pending. */
  bus?: IEventBus;
  clock: Clock;
  /** Milliseconds without a heartbeat after which a running claim is stalled. */
  stalledThreshold: number;
  /** Stalled claims handled per `reap()`, at most. */
  maxReapBatch: number;
  /** Retries of a job without its own `maxRetries`. */
  maxRetries: number;
};

/**
 * Finds running claims whose heartbeat is older than `stalledThreshold` (their runner died or
 * hangs) and, in one IMMEDIATE transaction, returns each job to `PENDING` in its place (it never
 * left its lanes; the attempt of the stalled claim stays counted), or fails it for good with
 * `TIMEOUT` when it has used more attempts than `maxRetries` allows (its lanes are then freed,
 * as under the `continue` policy) — unless it is flagged `outcome_unknown`: its operations may be
 * stored, so it goes back to pending (README: Semantics, "Retries"). Either way the old claim token no longer holds the job, so
 * the stalled runner's late `complete`, `fail`, `release`, heartbeat or claim-carrying `append`
 * is refused.
 *
 * @example
 * const reaped = await storage.reaper.reap(); // number of stalled claims handled
 */
export class SqliteReaper {
  readonly #bus: IEventBus | undefined;
  readonly #clock: Clock;
  readonly #options: SqliteReaperOptions;
  readonly #stalled: Prepared<typeof selectStalledClaims>;
  readonly #toPending: Prepared<typeof reapToPending>;
  readonly #toFailed: Prepared<typeof reapToFailed>;
  readonly #lanes: JobLanes;
  readonly #reapTx: Transaction<(now: number) => { pending: number; failed: number }>;

  /** Use `createSqliteStorage`. */
  constructor(db: Database, options: SqliteReaperOptions) {
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#options = options;
    this.#stalled = prepare(db, selectStalledClaims);
    this.#toPending = prepare(db, reapToPending);
    this.#toFailed = prepare(db, reapToFailed);
    this.#lanes = new JobLanes(db);
    this.#reapTx = db.transaction((now: number) => this.#reap(now));
  }

  /** Handles up to `maxReapBatch` stalled claims; returns how many. */
  async reap(): Promise<number> {
    const { pending, failed } = this.#reapTx.immediate(this.#clock.now());
    // Jobs back to pending are claimable; a failed one frees its lanes for the next jobs.
    if (pending + failed > 0) this.#bus?.publish(QueueEventTypes.JOB_AVAILABLE, {});
    return pending + failed;
  }

  #reap(now: number): { pending: number; failed: number } {
    const { stalledThreshold, maxReapBatch, maxRetries } = this.#options;
    let pending = 0;
    let failed = 0;
    const rows = this.#stalled.all({ cutoff: now - stalledThreshold, limit: maxReapBatch });
    for (const row of rows) {
      const token = row.claim_token as string;
      const allowed = (row.max_retries ?? maxRetries) + 1;
      // Its write may be stored (outcome unknown): the next attempt learns the outcome, so it
      // goes back to pending whatever its attempts (README: Semantics, "Retries").
      if (row.attempts < allowed || row.outcome_unknown === 1) {
        pending += this.#toPending.run({ seq: row.seq, token }).changes;
        continue;
      }
      const changed = this.#toFailed.run({
        seq: row.seq,
        token,
        now,
        errorCode: JobErrorCodes.TIMEOUT,
        errorMessage:
          `Stalled: runner ${row.runner_id ?? '?'} sent no heartbeat for ${stalledThreshold} ms, ` +
          `and the job has used its ${row.attempts} attempt(s)`,
      }).changes;
      if (changed === 1) {
        this.#lanes.leave(row);
        failed += 1;
      }
    }
    return { pending, failed };
  }
}
