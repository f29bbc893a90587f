/**
 * `claimLane` in batches: the lane claims of one tick become one statement.
 * @module
 */
import type { Pool } from 'pg';
import type { Clock } from '../../clock.js';
import type { LaneRef } from '../../types.js';
import type { Claim } from '../ports.js';
import { type JobRow, rowToJob } from './job-row.js';
import { TickBatcher, takeUpTo } from './postgres-tick-batcher.js';
import { claimLane } from './statements/claim-lane.js';
import { run } from './statements/statement.js';

/** What {@link PostgresLaneClaimer} needs from its queue. */
export type PostgresLaneClaimerOptions = {
  pool: Pool;
  clock: Clock;
  ready: () => Promise<void>;
  /** The queue's held claim tokens (heartbeats): every claim handed out is added. */
  held: Set<string> /** Receives a batch's error that no call could be told of (see `TickBatcher`). */;
  onError?: (error: unknown) => void;
};

type LaneClaim = {
  runnerId: string;
  lane: LaneRef;
  request: string;
  resolve: (claim: Claim | undefined) => void;
  reject: (error: unknown) => void;
};

/** Most lanes claimed by one statement. */
const MAX_LANE_BATCH = 200;

/**
 * Claims the heads of single lanes for the runtime's lane batching ({@link TickBatcher}): the
 * `claimLane` calls of one tick (of one runner) share one `claimLane` statement. Each call gets
 * the claim of its lane's head, or undefined; a job heading two lanes of the batch goes to the
 * first of them only.
 */
export class PostgresLaneClaimer {
  readonly #options: PostgresLaneClaimerOptions;
  readonly #batcher: TickBatcher<LaneClaim>;

  constructor(options: PostgresLaneClaimerOptions) {
    this.#options = options;
    this.#batcher = new TickBatcher({
      onError: options.onError,
      take: (waiting, limit) => {
        const runnerId = waiting[0]?.runnerId;
        return takeUpTo(
          waiting,
          Math.min(limit, MAX_LANE_BATCH),
          (item) => item.runnerId === runnerId,
        );
      },
      write: (batch) => this.#claim(batch),
    });
  }

  /** Claims the head of `lane` when it is claimable now, with the batch of this tick. */
  claimLane(runnerId: string, lane: LaneRef, request: string): Promise<Claim | undefined> {
    return new Promise((resolve, reject) => {
      this.#batcher.add({ runnerId, lane, request, resolve, reject });
    });
  }

  /** Resolves once every call made so far is answered. */
  drain(): Promise<void> {
    return this.#batcher.drain();
  }

  async #claim(batch: LaneClaim[]): Promise<void> {
    const { pool, clock, ready, held } = this.#options;
    let rows: JobRow[];
    try {
      await ready();
      rows = await run<JobRow>(pool, claimLane, [
        batch[0]?.runnerId,
        batch.map((item) => item.lane.documentId),
        batch.map((item) => item.lane.branch),
        batch.map((item) => item.lane.scope),
        batch.map((item) => item.request),
        clock.now(),
      ]);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    const unassigned = new Set(rows);
    for (const item of batch) {
      const { documentId, branch, scope } = item.lane;
      let claim: Claim | undefined;
      for (const row of unassigned) {
        if (row.document_id !== documentId || row.branch !== branch) continue;
        if (!row.scopes.includes(scope)) continue;
        unassigned.delete(row);
        const token = row.claim_token as string;
        held.add(token);
        claim = { job: rowToJob(row), token };
        break;
      }
      item.resolve(claim);
    }
  }
}
