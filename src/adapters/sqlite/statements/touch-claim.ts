import { defineStatement } from './statement.js';

/**
 * Records a heartbeat on one claim now (a handler's `ctx.heartbeat()`), beside the storage's
 * periodic `heartbeatClaims`. Returns the job's id (no row: the claim no longer holds the job).
 * - `@id`, `@token`: the claim; the job must be `RUNNING` under it.
 * - `@now`: the clock's time (ms).
 */
export const touchClaim = defineStatement<
  { id: string; token: string; now: number },
  { id: string }
>(`
UPDATE jobs SET heartbeat_at = @now
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING id
`);
