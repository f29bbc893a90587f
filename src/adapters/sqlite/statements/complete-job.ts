import type { JobLanesRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Completes a job held by claim `@token`; returns its lanes (no row: the claim is stale).
 * - `@id`, `@token`: the claim.
 * - `@attempts`: attempts used, stored on the job (NULL: keep the count of the claim).
 * - `@now`: finish time (ms).
 * - `@keepToken`: 1 to keep the token on the completed job (completion inside `store.append`:
 *   the runtime's later `complete` with that token is then a no-op), 0 to clear it.
 */
export const completeJob = defineStatement<
  { id: string; token: string; attempts: number | null; now: number; keepToken: 0 | 1 },
  JobLanesRow
>(`
UPDATE jobs
SET status = 'COMPLETED',
    attempts = COALESCE(@attempts, attempts),
    finished_at = @now,
    heartbeat_at = NULL,
    claim_token = CASE WHEN @keepToken = 1 THEN claim_token END
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING seq, id, document_id, branch, scopes
`);
