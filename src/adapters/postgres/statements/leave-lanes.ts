/**
 * Removes finished (or cancelled, or skipped) jobs from their lanes and unblocks the jobs that
 * become lane heads: for each lane a leaving job headed, the next job in that lane loses one
 * blocker; a job whose blockers reach 0 heads all its lanes and is ready. Notifies listeners when
 * one is. Run after `lockLanes` on the leaving jobs' lanes, in the same transaction.
 *
 * The jobs of one call never share a lane (running and halted jobs head their lanes; a
 * cancelled job leaves alone), so reading the lanes as they were before the DELETE is exact.
 *
 * $1 bigint[]  seq of each leaving job
 * $2 text      NOTIFY channel
 * $3 text      NOTIFY payload
 * Returns `left` (lane rows removed) and `ready` (jobs that became lane heads everywhere).
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const leaveLanes: Statement = {
  name: 'seriatim_leave_lanes',
  text: `
WITH gone AS (
  DELETE FROM job_lanes WHERE seq = ANY($1::bigint[])
  RETURNING document_id, branch, scope, seq
), successors AS (
  SELECT (SELECT min(n.seq) FROM job_lanes AS n
          WHERE n.document_id = g.document_id AND n.branch = g.branch AND n.scope = g.scope
            AND n.seq > g.seq) AS seq
  FROM gone AS g
  WHERE NOT EXISTS (
    SELECT 1 FROM job_lanes AS e
    WHERE e.document_id = g.document_id AND e.branch = g.branch AND e.scope = g.scope
      AND e.seq < g.seq
  )
), unblocked AS (
  UPDATE jobs AS j SET blockers = j.blockers - s.n
  FROM (SELECT seq, count(*)::int AS n FROM successors WHERE seq IS NOT NULL GROUP BY seq) AS s
  WHERE j.seq = s.seq
  RETURNING j.blockers
)
SELECT (SELECT count(*) FROM gone)::int AS left,
       (SELECT count(*) FROM unblocked WHERE blockers = 0)::int AS ready,
       (SELECT count(*) FROM (SELECT pg_notify($2, $3)
                              WHERE EXISTS (SELECT 1 FROM unblocked WHERE blockers = 0)) AS n)::int
         AS notified`,
};
