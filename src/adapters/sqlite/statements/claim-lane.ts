import type { JobRow } from '../job-row.js';
import { defineStatement } from './statement.js';

/**
 * Claims the head job of lane `@laneKey` when it is claimable now (lane batching: the runtime
 * asks for it right after a job of the lane finished, to run the lane's next job on the slot just
 * freed): `PENDING`, heading every one of its lanes (`blockers = 0`) and due. Same effects as
 * `claimJobs`. Returns the claimed row, or none (empty lane, or its head running, waiting in
 * another lane, not due, halted).
 * - `@laneKey`: the lane, as the JSON array `[documentId, scope, branch]`.
 * - `@now`: the clock's time (ms): `run_at` must not be after it; also the first heartbeat.
 * - `@runnerId`: who claims.
 * - `@claimId`: the claim call's request id (unique per call); the job's token is `@claimId.seq`.
 */
export const claimLane = defineStatement<
  { laneKey: string; now: number; runnerId: string; claimId: string },
  JobRow
>(`
UPDATE jobs
SET status = 'RUNNING',
    attempts = attempts + 1,
    runner_id = @runnerId,
    claim_token = @claimId || '.' || seq,
    heartbeat_at = @now
WHERE seq = (SELECT seq FROM job_lanes WHERE lane_key = @laneKey ORDER BY seq LIMIT 1)
  AND status = 'PENDING' AND blockers = 0 AND (run_at IS NULL OR run_at <= @now)
RETURNING *
`);
