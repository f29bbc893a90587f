import { defineStatement } from './statement.js';

/**
 * Stores a handler job's checkpoint under its claim (README: Handler jobs, "Stateful handlers").
 * Returns the job's id (no row: the claim no longer holds the job, and nothing changed).
 * - `@id`, `@token`: the claim; the job must be `RUNNING` under it.
 * - `@checkpoint`: JSON text, or NULL to clear it.
 */
export const saveCheckpoint = defineStatement<
  { id: string; token: string; checkpoint: string | null },
  { id: string }
>(`
UPDATE jobs SET checkpoint = @checkpoint
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING id
`);
