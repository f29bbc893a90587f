import { defineStatement } from './statement.js';

/**
 * Returns a stalled claim's job to `PENDING` in its place (its attempt stays counted); the old
 * token no longer holds it. Changes one row or none (the claim ended meanwhile).
 * - `@seq`, `@token`: the stalled claim.
 */
export const reapToPending = defineStatement<{ seq: number; token: string }>(`
UPDATE jobs
SET status = 'PENDING', claim_token = NULL, runner_id = NULL, heartbeat_at = NULL
WHERE seq = @seq AND claim_token = @token AND status = 'RUNNING'
`);
