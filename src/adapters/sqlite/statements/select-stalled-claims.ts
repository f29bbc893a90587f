import type { JobRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Running jobs whose last heartbeat is before `@cutoff`, longest silent first.
 * - `@cutoff`: now minus the stalled threshold (ms).
 * - `@limit`: the most jobs to return (`maxReapBatch`).
 */
export const selectStalledClaims = defineStatement<
  { cutoff: number; limit: number },
  Pick<
    JobRow,
    | 'seq'
    | 'id'
    | 'document_id'
    | 'branch'
    | 'scopes'
    | 'attempts'
    | 'max_retries'
    | 'claim_token'
    | 'runner_id'
    | 'outcome_unknown'
  >
>(`
SELECT seq, id, document_id, branch, scopes, attempts, max_retries, claim_token, runner_id, outcome_unknown
FROM jobs INDEXED BY jobs_running
WHERE status = 'RUNNING' AND heartbeat_at < @cutoff
ORDER BY heartbeat_at, seq
LIMIT @limit
`);
