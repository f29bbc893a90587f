/**
 * Rows of the `jobs` table and their conversion to jobs.
 * @module
 */

import { keysOfLanes } from '../../handlers/handler-lanes.js';
import { laneKey } from '../../lane-key.js';
import type { Job, JobStatus } from '../../types.js';
import type { QueuedJob } from '../ports.js';

/** A row of `jobs`, as better-sqlite3 returns it. */
export type JobRow = {
  seq: number;
  id: string;
  document_id: string;
  branch: string;
  scopes: string;
  actions: string;
  resulting_hash: string | null;
  status: JobStatus;
  created_at: number;
  attempts: number;
  max_retries: number | null;
  run_at: number | null;
  meta: string | null;
  blockers: number;
  claim_token: string | null;
  runner_id: string | null;
  heartbeat_at: number | null;
  finished_at: number | null;
  last_error_code: number | null;
  last_error_message: string | null;
  halted: 0 | 1;
  /** Handler jobs: JSON `{ type, input }` (schema 5). */
  handler: string | null;
  /** A completed handler job's return value, JSON. */
  output: string | null;
  /** A stateful handler job's last saved checkpoint, JSON (schema 6). */
  checkpoint: string | null;
  /** 1: an attempt's write may be stored, its outcome unknown (schema 7, README: Semantics). */
  outcome_unknown: 0 | 1;
};

/** The columns that locate a job's lanes. */
export type JobLanesRow = Pick<JobRow, 'seq' | 'id' | 'document_id' | 'branch' | 'scopes'>;

/** The lane keys of a job row, as `job_lanes.lane_key` holds them (see `laneKey`). */
export function laneKeysOf(row: JobLanesRow): string[] {
  const scopes = JSON.parse(row.scopes) as string[];
  return scopes.map((scope) => laneKey(row.document_id, scope, row.branch));
}

/** The job a row holds; optional fields only when set. */
export function jobFromRow(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    documentId: row.document_id,
    scopes: JSON.parse(row.scopes) as string[],
    branch: row.branch,
    actions: JSON.parse(row.actions) as Job['actions'],
    status: row.status,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
  if (row.resulting_hash !== null) job.resultingHash = row.resulting_hash;
  if (row.max_retries !== null) job.maxRetries = row.max_retries;
  if (row.run_at !== null) job.runAt = row.run_at;
  if (row.meta !== null) job.meta = JSON.parse(row.meta) as Record<string, unknown>;
  if (row.outcome_unknown === 1) job.outcomeUnknown = true;
  if (row.handler !== null) {
    const handler = JSON.parse(row.handler) as { type: string; input: unknown };
    job.handler = handler.type;
    job.input = handler.input;
    job.keys = keysOfLanes(job.branch, job.scopes);
    if (row.checkpoint !== null) job.checkpoint = JSON.parse(row.checkpoint) as unknown;
  }
  return job;
}

/** The job a row holds, with how it ended. */
export function queuedJobFromRow(row: JobRow): QueuedJob {
  const job: QueuedJob = jobFromRow(row);
  if (row.finished_at !== null) job.finishedAt = row.finished_at;
  if (row.last_error_code !== null) {
    job.lastError = { code: row.last_error_code, message: row.last_error_message ?? '' };
  }
  if (row.halted === 1) job.halted = true;
  if (row.output !== null && row.status === 'COMPLETED') job.output = JSON.parse(row.output);
  return job;
}
