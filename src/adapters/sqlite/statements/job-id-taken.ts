import { defineStatement } from './statement.js';

/**
 * 1 when a job with this id is stored (pending, running or finished), else 0.
 * - `@id`: the job id.
 */
export const jobIdTaken = defineStatement<{ id: string }, { taken: 0 | 1 }>(`
SELECT EXISTS (SELECT 1 FROM jobs WHERE id = @id) AS taken
`);
