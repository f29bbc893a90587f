/**
 * Ends a batch of claims (the runtime's `complete`, `fail` and `release` calls of one tick),
 * each fenced by its claim token: a claim whose token no longer holds its RUNNING job (reaped,
 * ended, or never valid) matches nothing and is reported stale by its absence from the result.
 * Jobs that complete, or fail without `halt`, must then leave their lanes (`leaveLanes`, same
 * transaction, after `lockLanes` on those claims).
 *
 * One element per claim:
 * $1 text[]     job id
 * $2 uuid[]     claim token
 * $3 text[]     kind: 'complete' | 'fail' | 'release'
 * $4 integer[]  attempts to store
 * $5 integer[]  error code (fail; else null)
 * $6 text[]     error message (fail; else null)
 * $7 boolean[]  halt (fail: keep the lanes blocked; else false)
 * And:
 * $8 bigint     now, ms (finished_at)
 * $9 text       NOTIFY channel (a released job is claimable again)
 * $10 text      NOTIFY payload
 * Returns one row per claim that held: id, seq, kind, leaves (whether it must leave its lanes).
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const finishClaims: Statement = {
  name: 'seriatim_finish_claims',
  text: `
WITH done AS (
  UPDATE jobs AS j
  SET status = CASE c.kind WHEN 'complete' THEN 'COMPLETED' WHEN 'fail' THEN 'FAILED'
                           ELSE 'PENDING' END,
      attempts = c.attempts,
      claim_token = NULL, runner_id = NULL, heartbeat_at = NULL,
      finished_at = CASE WHEN c.kind = 'release' THEN NULL ELSE $8::bigint END,
      last_error_code = CASE WHEN c.kind = 'fail' THEN c.error_code ELSE j.last_error_code END,
      last_error_message = CASE WHEN c.kind = 'fail' THEN c.error_message
                                ELSE j.last_error_message END,
      halted = (c.kind = 'fail' AND c.halt)
  FROM unnest($1::text[], $2::uuid[], $3::text[], $4::integer[], $5::integer[], $6::text[],
              $7::boolean[]) AS c(id, token, kind, attempts, error_code, error_message, halt)
  WHERE j.id = c.id AND j.claim_token = c.token AND j.status = 'RUNNING'
  RETURNING j.id, j.seq, c.kind, (c.kind = 'complete' OR (c.kind = 'fail' AND NOT c.halt)) AS leaves
)
SELECT d.id, d.seq, d.kind, d.leaves,
       (SELECT count(*) FROM (SELECT pg_notify($9, $10)
                              WHERE EXISTS (SELECT 1 FROM done WHERE kind = 'release')) AS n)::int
         AS notified
FROM done AS d`,
};
