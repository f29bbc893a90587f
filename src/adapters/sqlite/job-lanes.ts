/**
 * The `job_lanes` table and the `blockers` count it keeps on each job.
 * @module
 */
import type { Database, Statement } from 'better-sqlite3';
import { type JobLanesRow, laneKeysOf } from './job-row.js';
import { deleteJobLane } from './statements/delete-job-lane.js';
import { insertJobLane } from './statements/insert-job-lane.js';
import { laneOccupied } from './statements/lane-occupied.js';
import { prepare } from './statements/statement.js';
import { unblockNextInLane } from './statements/unblock-next-in-lane.js';

/**
 * Lane membership of unfinished jobs. A job's `blockers` is the number of its lanes that held an
 * unfinished job when it was enqueued and still do: it is counted at enqueue, and goes down by
 * one each time the head of one of its lanes leaves and the job becomes that lane's head. So
 * `blockers = 0` means "heads every one of its lanes", which the claim reads from an index
 * instead of computing lane heads each time. Callers run these inside their write transaction.
 */
export class JobLanes {
  readonly #occupied: Statement<[{ laneKey: string }], { occupied: 0 | 1 }>;
  readonly #insert: Statement<[{ laneKey: string; seq: number; jobId: string }], never>;
  readonly #unblock: Statement<[{ laneKey: string; seq: number }], never>;
  readonly #delete: Statement<[{ laneKey: string; seq: number }], never>;

  constructor(db: Database) {
    this.#occupied = prepare(db, laneOccupied);
    this.#insert = prepare(db, insertJobLane);
    this.#unblock = prepare(db, unblockNextInLane);
    this.#delete = prepare(db, deleteJobLane);
  }

  /**
   * How many of the lanes hold an unfinished job: the `blockers` of a job enqueued now. Lanes in
   * `known` are known to hold one (an earlier job of the same transaction entered them).
   */
  blockers(laneKeys: string[], known?: ReadonlySet<string>): number {
    let count = 0;
    for (const laneKey of laneKeys) {
      if (known?.has(laneKey)) count++;
      else count += this.#occupied.get({ laneKey })?.occupied ?? 0;
    }
    return count;
  }

  /** Appends job `seq` to each of its lanes. */
  enter(laneKeys: string[], seq: number, jobId: string): void {
    for (const laneKey of laneKeys) this.#insert.run({ laneKey, seq, jobId });
  }

  /**
   * Removes a finished, skipped or cancelled job from its lanes; in each lane it headed, the
   * next job waits for one lane fewer.
   */
  leave(row: JobLanesRow): void {
    for (const laneKey of laneKeysOf(row)) {
      this.#unblock.run({ laneKey, seq: row.seq });
      this.#delete.run({ laneKey, seq: row.seq });
    }
  }
}
