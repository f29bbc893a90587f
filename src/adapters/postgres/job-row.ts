/**
 * Rows of the `jobs` and `operations` tables, and the objects the ports hand out.
 * @module
 */

import { keysOfLanes } from '../../handlers/handler-lanes.js';
import type { Action, Job, JobStatus, Operation } from '../../types.js';
import type { QueuedJob } from '../ports.js';

/** A row of `jobs` (bigint columns arrive as strings). */
export type JobRow = {
  seq: string;
  id: string;
  document_id: string;
  branch: string;
  scopes: string[];
  actions: Action[];
  resulting_hash: string | null;
  status: JobStatus;
  created_at: string;
  attempts: number;
  max_retries: number | null;
  run_at: string | null;
  meta: Record<string, unknown> | null;
  blockers: number;
  claim_token: string | null;
  runner_id: string | null;
  heartbeat_at: string | null;
  finished_at: string | null;
  last_error_code: number | null;
  last_error_message: string | null;
  halted: boolean;
  /** Handler jobs: `{ type, input }` (schema 10). */
  handler: { type: string; input: unknown } | null;
  /** A completed handler job's return value. */
  output: unknown;
  /** A stateful handler job's last saved checkpoint (schema 11). */
  checkpoint: unknown;
  /** An attempt's write may be stored, its outcome unknown (schema 12, README: Semantics). */
  outcome_unknown: boolean;
};

/** The job of a row; optional fields only when set. */
export function rowToJob(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    documentId: row.document_id,
    scopes: row.scopes,
    branch: row.branch,
    actions: row.actions,
    status: row.status,
    createdAt: Number(row.created_at),
    attempts: row.attempts,
  };
  if (row.resulting_hash !== null) job.resultingHash = row.resulting_hash;
  if (row.max_retries !== null) job.maxRetries = row.max_retries;
  if (row.run_at !== null) job.runAt = Number(row.run_at);
  if (row.meta !== null) job.meta = row.meta;
  // Kept as it was by a completion inside `append_operations`: a finished job reports none.
  if (row.outcome_unknown === true && row.status !== 'COMPLETED' && row.status !== 'FAILED') {
    job.outcomeUnknown = true;
  }
  if (row.handler !== null && row.handler !== undefined) {
    job.handler = row.handler.type;
    job.input = row.handler.input;
    job.keys = keysOfLanes(job.branch, job.scopes);
    if (row.checkpoint !== null && row.checkpoint !== undefined) job.checkpoint = row.checkpoint;
  }
  return job;
}

/** The job of a row with how it ended, as `IQueue.get` reports it. */
export function rowToQueuedJob(row: JobRow): QueuedJob {
  const job: QueuedJob = rowToJob(row);
  if (row.finished_at !== null) job.finishedAt = Number(row.finished_at);
  if (row.last_error_code !== null) {
    job.lastError = { code: row.last_error_code, message: row.last_error_message ?? '' };
  }
  if (row.halted) job.halted = true;
  if (row.output !== null && row.output !== undefined && row.status === 'COMPLETED') {
    job.output = row.output;
  }
  return job;
}

/** A row of `operations`. */
export type OperationRow = {
  id: string;
  idx: number;
  skip: number;
  hash: string;
  timestamp_utc_ms: string;
  action: Action;
  /** The recorded reducer rejection, null for an applied operation. */
  error: string | null;
};

export function rowToOperation(row: OperationRow): Operation {
  const operation: Operation = {
    id: row.id,
    index: row.idx,
    skip: row.skip,
    hash: row.hash,
    timestampUtcMs: row.timestamp_utc_ms,
    action: row.action,
  };
  if (row.error !== null) operation.error = row.error;
  return operation;
}

/** Claim tokens are UUIDs: anything else can only be stale (and would not parse as `uuid`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isClaimToken(token: unknown): token is string {
  return typeof token === 'string' && UUID.test(token);
}
