/**
 * Records a heartbeat on one claim now (a handler's `ctx.heartbeat()`), beside the storage's
 * periodic `heartbeatClaims`. No row comes back when the claim no longer holds its job.
 *
 * $1 text    job id
 * $2 uuid    claim token
 * $3 bigint  now, ms
 * @module
 */
import type { Statement } from './statement.js';

export const touchClaim: Statement = {
  name: 'seriatim_touch_claim',
  text: `UPDATE jobs SET heartbeat_at = $3::bigint
WHERE id = $1 AND claim_token = $2::uuid AND status = 'RUNNING'
RETURNING id`,
};
