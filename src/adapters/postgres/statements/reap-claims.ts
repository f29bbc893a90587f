/**
 * Reaps stalled claims (after `lockLanes` on them): each job goes back to PENDING in its place,
 * its attempt counted (the claim counted it), or FAILED with a TIMEOUT error when that was its
 * last attempt (`attempts > max_retries`) and it is not flagged `outcome_unknown` (its operations
 * may be stored: it goes back to pending, README: Semantics, "Retries"); failed ones must then
 * leave their lanes. The token is
 * cleared, so the written-off runner can no longer complete, fail, release or heartbeat it.
 * Re-checks the claim under the row lock: a claim that ended or heartbeat meanwhile is left alone.
 *
 * $1 text[]   job id       } one element per stalled claim
 * $2 uuid[]   claim token  }
 * $3 bigint   cutoff, ms (heartbeat_at must still be older)
 * $4 bigint   now, ms (finished_at)
 * $5 integer  max_retries of a job that has none
 * $6 integer  error code of a reaped job that fails
 * $7 text     NOTIFY channel
 * $8 text     NOTIFY payload
 * Returns one row per reaped claim: seq and the new status.
 * @module
 */
import type { Statement } from './statement.js';

export const reapClaims: Statement = {
  name: 'seriatim_reap_claims',
  text: `
WITH reaped AS (
  UPDATE jobs AS j
  SET status = CASE WHEN j.attempts > coalesce(j.max_retries, $5) AND NOT j.outcome_unknown THEN 'FAILED' ELSE 'PENDING' END,
      finished_at = CASE WHEN j.attempts > coalesce(j.max_retries, $5) AND NOT j.outcome_unknown THEN $4::bigint END,
      last_error_code = CASE WHEN j.attempts > coalesce(j.max_retries, $5) AND NOT j.outcome_unknown THEN $6::int
                             ELSE j.last_error_code END,
      last_error_message = CASE WHEN j.attempts > coalesce(j.max_retries, $5) AND NOT j.outcome_unknown
        THEN 'Runner ' || coalesce(j.runner_id, '?') || ' stopped heartbeating during attempt '
             || j.attempts || ', the last one allowed'
        ELSE j.last_error_message END,
      claim_token = NULL, runner_id = NULL, heartbeat_at = NULL
  FROM unnest($1::text[], $2::uuid[]) AS s(id, token)
  WHERE j.id = s.id AND j.claim_token = s.token AND j.status = 'RUNNING' AND j.heartbeat_at < $3
  RETURNING j.seq, j.status
)
SELECT r.seq, r.status,
       (SELECT count(*) FROM (SELECT pg_notify($7, $8)
                              WHERE EXISTS (SELECT 1 FROM reaped WHERE status = 'PENDING')) AS n)::int
         AS notified
FROM reaped AS r`,
};
