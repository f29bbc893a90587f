/**
 * Claims the head job of each given lane when it is claimable now (lane batching: the runtime
 * asks for a lane's next job right after a job of the lane finished, to run it on the slot just
 * freed; the requests of one tick share this statement): PENDING, heading every one of its lanes
 * (`blockers = 0`) and due. Same effects as `claimJobs`. A job heading several of the lanes is
 * claimed once.
 *
 * $1 text      runner_id
 * $2 text[]    document_id }
 * $3 text[]    branch      } the lanes, element by element
 * $4 text[]    scope       }
 * $5 bigint    now, ms (the storage clock): due means `run_at <= $5`; also the first heartbeat
 * Returns the claimed jobs; a lane without a row is empty, or its head is running, blocked in
 * another lane, not due, halted, or locked by a concurrent claim.
 *
 * Per lane: its head's seq from the `job_lanes` key, then that job by primary key (a LATERAL
 * subquery, so a nested loop over the lanes). `(status = 'PENDING') IS TRUE` is `status =
 * 'PENDING'` in a form that the partial index `jobs_unfinished (status)` cannot answer: with
 * statistics taken while few jobs were pending, the planner preferred walking that index over
 * every pending job for each lane (measured: 48 ms per call at 10,000 pending jobs, against
 * 4 ms for a whole batch of 100 lanes by primary key).
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const claimLanes: Statement = {
  name: 'seriatim_claim_lanes',
  text: `
UPDATE jobs AS j
SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = $1,
    claim_token = gen_random_uuid(), heartbeat_at = $5
FROM unnest($2::text[], $3::text[], $4::text[]) AS x(document_id, branch, scope)
CROSS JOIN LATERAL (
  SELECT c.seq FROM jobs AS c
  WHERE c.seq = (SELECT min(l.seq) FROM job_lanes AS l
                 WHERE l.document_id = x.document_id AND l.branch = x.branch AND l.scope = x.scope)
    AND (c.status = 'PENDING') IS TRUE AND c.blockers = 0 AND (c.run_at IS NULL OR c.run_at <= $5)
  FOR UPDATE SKIP LOCKED
) AS head
WHERE j.seq = head.seq
RETURNING j.*`,
};
