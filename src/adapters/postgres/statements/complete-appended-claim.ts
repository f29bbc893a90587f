/**
 * Completes a claim inside `store.append`, in the transaction that writes the job's operations,
 * fenced by its token. The token stays on the job so the runtime's later `complete` with it is a
 * no-op success (the function `finish_claims` confirms it). The job must then leave its lanes
 * (`leaveLanes`).
 *
 * $1 text    job id
 * $2 uuid    claim token
 * $3 bigint  now, ms (finished_at)
 * Returns the job's seq, or no row when the claim is stale.
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const completeAppendedClaim: Statement = {
  name: 'seriatim_complete_appended_claim',
  text: `
UPDATE jobs SET status = 'COMPLETED', finished_at = $3, runner_id = NULL, heartbeat_at = NULL
WHERE id = $1 AND claim_token = $2 AND status = 'RUNNING'
RETURNING seq`,
};
