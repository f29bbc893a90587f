/**
 * Puts a halted job back to PENDING in its place (it still heads its lanes), attempts reset,
 * and notifies listeners.
 *
 * $1 text  job id
 * $2 text  NOTIFY channel
 * $3 text  NOTIFY payload
 * Returns the job's document_id, or no row when the job is not halted.
 * @module
 */
import type { Statement } from './statement.js';

export const retryJob: Statement = {
  name: 'seriatim_retry_job',
  text: `
WITH retried AS (
  UPDATE jobs SET status = 'PENDING', attempts = 0, halted = false, finished_at = NULL,
                  claim_token = NULL
  WHERE id = $1 AND halted
  RETURNING document_id
)
SELECT r.document_id, (SELECT count(*) FROM (SELECT pg_notify($2, $3)) AS n)::int AS notified
FROM retried AS r`,
};
