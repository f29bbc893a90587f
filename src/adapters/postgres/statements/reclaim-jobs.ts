/**
 * The jobs that the claim call `$2` of runner `$1` (`claimJobs` or `claimLane`) claimed and that
 * it still holds: RUNNING under the token derived from the request id. Reads only the running
 * jobs (partial index `jobs_running`), a handful per runner.
 *
 * $1 text  runner_id
 * $2 text  the call's request id
 * @module
 */
import type { Statement } from './statement.js';

export const reclaimJobs: Statement = {
  name: 'seriatim_reclaim_jobs',
  text: `SELECT * FROM jobs
WHERE status = 'RUNNING' AND runner_id = $1 AND claim_token = md5($2 || '.' || seq)::uuid`,
};
