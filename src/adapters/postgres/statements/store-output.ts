/**
 * Stores a handler job's return value under its claim, right before `complete` ends the claim
 * (README: Handler jobs). Fenced by the token and `RUNNING`, so a stale claim, or a `complete`
 * repeated after it took effect, changes nothing; the claim's end then decides as for any job.
 *
 * $1 text   job id
 * $2 uuid   claim token
 * $3 jsonb  the output, as JSON text
 * @module
 */
import type { Statement } from './statement.js';

export const storeOutput: Statement = {
  name: 'seriatim_store_output',
  text: `UPDATE jobs SET output = $3::jsonb
WHERE id = $1 AND claim_token = $2::uuid AND status = 'RUNNING'`,
};
