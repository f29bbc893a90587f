import type { JobLanesRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Deletes a pending job; returns its lanes, which the caller then leaves (no row: not pending).
 * - `@id`: the job id.
 */
export const deletePendingJob = defineStatement<{ id: string }, JobLanesRow>(`
DELETE FROM jobs
WHERE id = @id AND status = 'PENDING'
RETURNING seq, id, document_id, branch, scopes
`);
