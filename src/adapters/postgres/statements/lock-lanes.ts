/**
 * Takes the advisory locks (until commit) of the given lanes and of the lanes of the given claims'
 * jobs, in key order, so two transactions never wait for each other in a cycle. Every statement
 * that reads lane membership to decide a job's `blockers` (enqueue) or changes it (a job leaving
 * its lanes) runs after this one, in the same transaction, so it sees all earlier changes to
 * those lanes: enqueue and leave never miss each other.
 *
 * Before any lane it takes the schema's lane barrier in shared mode: `lockAllLanes` takes it
 * exclusively instead of one lock per lane, for batches too large for PostgreSQL's lock table.
 *
 * $1 text[]  document ids } lanes to lock, element by element (may be empty)
 * $2 text[]  branches     }
 * $3 text[]  scopes       }
 * $4 text[]  job ids      } claims: the lanes of each job whose claim token still holds (RUNNING)
 * $5 uuid[]  claim tokens }
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const lockLanes: Statement = {
  name: 'seriatim_lock_lanes',
  text: `
SELECT count(CASE WHEN keys.barrier THEN pg_advisory_xact_lock_shared(keys.k)
                  ELSE pg_advisory_xact_lock(keys.k) END)::int AS locked
FROM (
  SELECT true AS barrier, lane_barrier_key() AS k
  UNION ALL
  SELECT false, lanes.k FROM (
    SELECT lane_lock_key(l.document_id, l.branch, l.scope) AS k
    FROM unnest($1::text[], $2::text[], $3::text[]) AS l(document_id, branch, scope)
    UNION
    SELECT lane_lock_key(l.document_id, l.branch, l.scope)
    FROM unnest($4::text[], $5::uuid[]) AS c(id, token)
    JOIN jobs j ON j.id = c.id AND j.claim_token = c.token AND j.status = 'RUNNING'
    JOIN job_lanes l ON l.seq = j.seq
  ) AS lanes
  ORDER BY 1 DESC, 2
) AS keys`,
};
