/**
 * The operations view of a queue: aggregates an operator asks for ("which lane is stuck, behind
 * what, since when"), computed by the backend itself so that a page over 10,000 lanes costs one
 * query, not one call per lane. Optional on `IQueue` (`overview`, `lanes`); the dashboard and the
 * operator commands use them (README, Dashboard).
 * @module
 */

import type { JobStatus, LaneRef } from '../types.js';
import type { QueueCounts } from './ports.js';

/** The oldest pending job: what waits longest. */
export type OldestPending = { jobId: string; createdAt: number };

/** Queue-wide counts for an operator. */
export type QueueOverview = {
  counts: QueueCounts;
  /** Pending jobs that already ran at least once (returned to the queue, or retried by hand). */
  retrying: number;
  /** Lanes holding at least one unfinished (or halted) job. */
  lanesWithWork: number;
  /** Lanes whose head is a halted job. */
  blockedLanes: number;
  oldestPending?: OldestPending;
};

/** The head job of a lane: the one every other job of the lane waits behind. */
export type LaneHead = {
  jobId: string;
  status: JobStatus;
  createdAt: number;
  attempts: number;
  /** Not claimable before this time (ms since epoch). */
  runAt?: number;
  /** Failed under the `halt` policy: the lane is blocked until `retry` or `skip`. */
  halted: boolean;
  errorCode?: number;
  errorMessage?: string;
  /** How many lanes the head job holds (more than 1: a multi-lane job). */
  laneCount: number;
};

/** A lane with work: its backlog and its head. */
export type LaneSummary = LaneRef & {
  /** Unfinished jobs in the lane, the head included (a halted head counts). */
  backlog: number;
  head: LaneHead;
};

/** Which lanes `lanes` returns: oldest head first. */
export type LanesQuery = {
  /** @default 0 */
  offset?: number;
  /** @default 50; at most {@link MAX_LANES_PAGE} */
  limit?: number;
  /** Only lanes blocked by a halted job. */
  blocked?: boolean;
};

/** One page of lanes with work, oldest head (lowest enqueue order) first. */
export type LanesPage = { total: number; offset: number; limit: number; lanes: LaneSummary[] };

/** The largest page `lanes` returns. */
export const MAX_LANES_PAGE = 500;

/**
 * `offset` and `limit` of a {@link LanesQuery}, checked.
 * @throws RangeError naming the field, for a negative or fractional value
 */
export function pageOf(query: LanesQuery = {}): { offset: number; limit: number } {
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`lanes: expected \`offset\` to be an integer ≥ 0, got ${String(offset)}`);
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LANES_PAGE) {
    throw new RangeError(
      `lanes: expected \`limit\` to be an integer in [1, ${MAX_LANES_PAGE}], got ${String(limit)}`,
    );
  }
  return { offset, limit };
}
