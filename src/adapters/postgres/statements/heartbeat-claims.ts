/**
 * Marks the claims a runner holds as alive. A claim the reaper took (or that ended) no longer
 * matches: it is absent from the result, and the runner stops heartbeating it.
 *
 * $1 bigint  now, ms (the storage clock)
 * $2 uuid[]  claim tokens held
 * Returns the tokens that still hold.
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const heartbeatClaims: Statement = {
  name: 'seriatim_heartbeat_claims',
  text: `
UPDATE jobs SET heartbeat_at = $1
WHERE claim_token = ANY($2::uuid[]) AND status = 'RUNNING'
RETURNING claim_token::text AS token`,
};
