import { defineStatement } from './statement.js';

/**
 * Removes job `@seq` from lane `@laneKey` (after `unblockNextInLane`).
 * - `@laneKey`: the lane, as the JSON array `[documentId, scope, branch]`.
 * - `@seq`: the leaving job.
 */
export const deleteJobLane = defineStatement<{ laneKey: string; seq: number }>(`
DELETE FROM job_lanes WHERE lane_key = @laneKey AND seq = @seq
`);
