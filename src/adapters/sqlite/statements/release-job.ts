import { defineStatement } from './statement.js';

/**
 * Puts a job held by claim `@token` back to `PENDING`, in its place (it still heads its lanes).
 * Returns its document (no row: the claim is stale). The token stays on the job until it is
 * claimed again, so that a later `release` with it is a no-op success (`endedClaim`).
 * - `@id`, `@token`: the claim.
 * - `@attempts`: attempts to store (an aborted attempt is not counted).
 * - `@outcomeUnknown`: 1 when an attempt's write may be stored, its outcome unknown (schema 7):
 *   the flag is set, and stays set (0 keeps what the job had) until it completes or fails.
 */
export const releaseJob = defineStatement<
  { id: string; token: string; attempts: number; outcomeUnknown: 0 | 1 },
  { document_id: string }
>(`
UPDATE jobs
SET status = 'PENDING',
    attempts = @attempts,
    outcome_unknown = MAX(outcome_unknown, @outcomeUnknown),
    runner_id = NULL,
    heartbeat_at = NULL
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING document_id
`);
