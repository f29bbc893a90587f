import type { JobRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * The jobs that the claim call `@request` of `@runnerId` (`claimJobs` or `claimLane` with
 * `@claimId = @request`) claimed and that it still holds: `RUNNING` under the token it handed
 * out, `@request.seq`. Reads only the running jobs (`jobs_running`), a handful per runner.
 */
export const reclaimJobs = defineStatement<{ runnerId: string; request: string }, JobRow>(`
SELECT * FROM jobs INDEXED BY jobs_running
WHERE status = 'RUNNING' AND runner_id = @runnerId AND claim_token = @request || '.' || seq
`);
