import type { JobLanesRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Fails a job held by claim `@token` for good; returns its lanes (no row: the claim is stale).
 * The token stays on the job, so that a later `fail` with it is a no-op success (`endedClaim`).
 * - `@id`, `@token`: the claim.
 * - `@attempts`: attempts used, stored on the job.
 * - `@now`: finish time (ms).
 * - `@errorCode`, `@errorMessage`: the last error.
 * - `@halted`: 1 when the job keeps its lanes blocked until `retry` or `skip`.
 */
export const failJob = defineStatement<
  {
    id: string;
    token: string;
    attempts: number;
    now: number;
    errorCode: number;
    errorMessage: string;
    halted: 0 | 1;
  },
  JobLanesRow
>(`
UPDATE jobs
SET status = 'FAILED',
    attempts = @attempts,
    finished_at = @now,
    outcome_unknown = 0,
    heartbeat_at = NULL,
    last_error_code = @errorCode,
    last_error_message = @errorMessage,
    halted = @halted
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING seq, id, document_id, branch, scopes
`);
