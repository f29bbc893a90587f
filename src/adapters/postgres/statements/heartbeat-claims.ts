/**
 * Marks the claims a runner holds as alive, and says which it still holds. A claim the reaper
 * took (or that ended) no longer matches: it is absent from the result, and the runner stops
 * heartbeating it. Rows locked by a concurrent statement (this runner ending the claim, or the
 * reaper taking it) are skipped rather than waited for, so a heartbeat never joins a deadlock;
 * they still count as held when the snapshot says so. The tokens are found among the running
 * jobs (the partial index `jobs_running`): there is no index on `claim_token`.
 *
 * $1 bigint  now, ms (the storage clock)
 * $2 uuid[]  claim tokens held
 * Returns the tokens that still hold.
 * @module
 */
import type { Statement } from './statement.js';

export const heartbeatClaims: Statement = {
  name: 'seriatim_heartbeat_claims',
  text: `
WITH beat AS (
  UPDATE jobs SET heartbeat_at = $1
  WHERE seq IN (
    SELECT seq FROM jobs
    WHERE claim_token = ANY($2::uuid[]) AND status = 'RUNNING'
    FOR UPDATE SKIP LOCKED
  )
  RETURNING seq
) -- a data-modifying WITH runs whether or not the query reads it
SELECT claim_token::text AS token FROM jobs
WHERE claim_token = ANY($2::uuid[]) AND status = 'RUNNING'`,
};
