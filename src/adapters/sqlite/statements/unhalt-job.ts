import type { JobLanesRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Marks a halted job (it stays `FAILED`) as no longer blocking; returns its lanes, which the
 * caller then leaves (no row: the job is not halted).
 * - `@id`: the job id.
 */
export const unhaltJob = defineStatement<{ id: string }, JobLanesRow>(`
UPDATE jobs SET halted = 0
WHERE id = @id AND halted = 1
RETURNING seq, id, document_id, branch, scopes
`);
