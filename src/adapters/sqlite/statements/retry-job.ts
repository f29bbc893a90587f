import { defineStatement } from './statement.js';

/**
 * Puts a halted job back to `PENDING` in its place (it never left its lanes), attempts reset.
 * Returns its document (no row: the job is not halted).
 * - `@id`: the job id.
 */
export const retryJob = defineStatement<{ id: string }, { document_id: string }>(`
UPDATE jobs
SET status = 'PENDING', attempts = 0, finished_at = NULL, halted = 0, claim_token = NULL
WHERE id = @id AND halted = 1
RETURNING document_id
`);
