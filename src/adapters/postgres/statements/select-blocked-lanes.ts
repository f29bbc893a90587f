/**
 * The lanes held by halted jobs, in the order the jobs failed, each job's lanes in `scopes`
 * order. Takes no parameters.
 * @module
 */
import type { Statement } from './statement.js';

export const selectBlockedLanes: Statement = {
  name: 'seriatim_select_blocked_lanes',
  text: `
SELECT j.id, l.document_id, l.scope, l.branch, j.last_error_code, j.last_error_message
FROM jobs AS j
JOIN job_lanes AS l ON l.seq = j.seq
WHERE j.halted
ORDER BY j.finished_at, j.seq, array_position(j.scopes, l.scope)`,
};
