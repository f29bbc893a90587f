/**
 * Stores a handler job's checkpoint under its claim (README: Handler jobs, "Stateful handlers").
 * Fenced by the token and `RUNNING`: no row comes back when the claim no longer holds the job,
 * and nothing changes.
 *
 * $1 text   job id
 * $2 uuid   claim token
 * $3 jsonb  the checkpoint, as JSON text (NULL clears it)
 * @module
 */
import type { Statement } from './statement.js';

export const saveCheckpoint: Statement = {
  name: 'seriatim_save_checkpoint',
  text: `UPDATE jobs SET checkpoint = $3::jsonb
WHERE id = $1 AND claim_token = $2::uuid AND status = 'RUNNING'
RETURNING id`,
};
