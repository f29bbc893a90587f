import { defineStatement } from './statement.js';

/**
 * Before job `@seq` leaves lane `@laneKey`: when it is the lane's head, the next job of the lane
 * has one lane fewer to wait for (its `blockers` goes down by one). Run it before
 * `deleteJobLane`; a job leaving from the middle of a lane (a cancel) unblocks nobody.
 * - `@laneKey`: the lane, as the JSON array `[documentId, scope, branch]`.
 * - `@seq`: the leaving job.
 */
export const unblockNextInLane = defineStatement<{ laneKey: string; seq: number }>(`
UPDATE jobs
SET blockers = blockers - 1
WHERE seq = (SELECT seq FROM job_lanes WHERE lane_key = @laneKey AND seq > @seq ORDER BY seq LIMIT 1)
  AND @seq = (SELECT MIN(seq) FROM job_lanes WHERE lane_key = @laneKey)
`);
