/**
 * Group commit on one SQLite connection: the writes requested in one tick share one transaction.
 * @module
 */
import type { Database, Transaction } from 'better-sqlite3';

/** One write waiting for its batch. */
type Write = {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/** What one write of a batch did: its result, or what it threw. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs the writes of the queue and the operation store that are requested in one tick in one
 * IMMEDIATE transaction, each in a SAVEPOINT of its own (better-sqlite3 nests a transaction
 * function called inside another as a savepoint): a write that throws rolls back only its own
 * changes and is rejected with its error; the others commit together. Each call resolves after
 * the COMMIT, so what it reports is durable as far as `synchronous` makes commits durable.
 *
 * A commit is the costly part of a SQLite write in WAL mode (the transaction's pages appended to
 * the WAL, and every ~1,000 pages a checkpoint): with a commit per write, BEGIN and COMMIT were
 * 41 % of P3's profile. The first write of a tick schedules the flush with `setImmediate`
 * (after the tick's microtasks and I/O callbacks, not a timer: nothing waits on the clock), so a
 * batch holds every write that the tick's promise chains asked for (P3: 8 % less CPU per job
 * than a flush in a microtask, which left the writes of later microtasks to the next batch); a
 * flush is synchronous, so a batch is whatever was asked before it. If the transaction itself cannot commit (`SQLITE_BUSY` past the busy timeout, a
 * full disk), every write of the batch is rejected with that error and nothing is written.
 */
export class SqliteWriteBatcher {
  readonly #batch: Transaction<(writes: Write[]) => Outcome[]>;
  #waiting: Write[] = [];
  #scheduled = false;

  constructor(db: Database) {
    this.#batch = db.transaction((writes: Write[]) =>
      writes.map((write): Outcome => {
        try {
          return { ok: true, value: write.work() };
        } catch (error) {
          // Some errors (a full disk, I/O) roll the whole transaction back: then nothing of the
          // batch is written, and every write of it fails with that error.
          if (!db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  /**
   * Runs `work` in the transaction of this tick's batch and resolves with its result after the
   * commit. `work` must be synchronous and make its changes through a better-sqlite3 transaction
   * function (so that a throw rolls them back to its savepoint) or a single statement.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Writes everything requested so far now (e.g. before the connection closes). */
  flush(): void {
    this.#scheduled = false;
    const writes = this.#waiting;
    if (writes.length === 0) return;
    this.#waiting = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.#batch.immediate(writes);
    } catch (error) {
      for (const write of writes) write.reject(error);
      return;
    }
    writes.forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
