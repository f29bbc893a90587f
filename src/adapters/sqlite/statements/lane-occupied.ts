import { defineStatement } from './statement.js';

/**
 * 1 when the lane holds an unfinished (or halted) job, else 0: a job enqueued now waits in it.
 * - `@laneKey`: the lane, as the JSON array `[documentId, scope, branch]`.
 */
export const laneOccupied = defineStatement<{ laneKey: string }, { occupied: 0 | 1 }>(`
SELECT EXISTS (SELECT 1 FROM job_lanes WHERE lane_key = @laneKey) AS occupied
`);
