import type { JobRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * The job with id `@id`.
 * - `@id`: the job id.
 */
export const selectJob = defineStatement<{ id: string }, JobRow>(`
SELECT * FROM jobs WHERE id = @id
`);
