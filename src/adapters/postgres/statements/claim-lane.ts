/**
 * Claims the head job of one lane when it is claimable now (lane batching: the runtime asks for
 * it right after a job of the lane finished, to run the lane's next job on the slot just freed):
 * PENDING, heading every one of its lanes (`blockers = 0`) and due. Same effects as `claimJobs`.
 *
 * $1 text    runner_id
 * $2 text    document_id }
 * $3 text    branch      } the lane
 * $4 text    scope       }
 * $5 bigint  now, ms (the storage clock): due means `run_at <= $5`; also the first heartbeat
 * Returns the claimed job, or no row (empty lane, or its head running, blocked elsewhere, not
 * due, halted, or locked by a concurrent claim).
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const claimLane: Statement = {
  name: 'seriatim_claim_lane',
  text: `
UPDATE jobs AS j
SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = $1,
    claim_token = gen_random_uuid(), heartbeat_at = $5
FROM (
  SELECT c.seq FROM jobs AS c
  WHERE c.seq = (SELECT min(l.seq) FROM job_lanes AS l
                 WHERE l.document_id = $2 AND l.branch = $3 AND l.scope = $4)
    AND c.status = 'PENDING' AND c.blockers = 0 AND (c.run_at IS NULL OR c.run_at <= $5)
  FOR UPDATE SKIP LOCKED
) AS head
WHERE j.seq = head.seq
RETURNING j.*`,
};
