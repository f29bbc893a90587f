import type { JobRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/** Jobs failed under the `halt` policy that still block their lanes, in failing order. No parameters. */
export const selectBlockedLanes = defineStatement<
  Record<string, never>,
  Pick<
    JobRow,
    'id' | 'document_id' | 'branch' | 'scopes' | 'last_error_code' | 'last_error_message'
  >
>(`
SELECT id, document_id, branch, scopes, last_error_code, last_error_message
FROM jobs INDEXED BY jobs_halted
WHERE halted = 1
ORDER BY finished_at, seq
`);
