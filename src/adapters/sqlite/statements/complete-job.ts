import type { JobLanesRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Completes a job held by claim `@token`; returns its lanes (no row: the claim is stale).
 * - `@id`, `@token`: the claim.
 * - `@attempts`: attempts used, stored on the job (NULL: keep the count of the claim).
 * - `@now`: finish time (ms).
 * - `@output`: a handler job's return value as JSON (NULL: none).
 * The token stays on the completed job, so that a later `complete` with it is a no-op success
 * (`endedClaim`).
 */
export const completeJob = defineStatement<
  { id: string; token: string; attempts: number | null; now: number; output: string | null },
  JobLanesRow
>(`
UPDATE jobs
SET status = 'COMPLETED',
    attempts = COALESCE(@attempts, attempts),
    finished_at = @now,
    outcome_unknown = 0,
    output = @output,
    heartbeat_at = NULL
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING seq, id, document_id, branch, scopes
`);
