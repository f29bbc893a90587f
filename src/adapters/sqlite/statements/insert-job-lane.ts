import { defineStatement } from './statement.js';

/**
 * Puts a job at the end of one of its lanes.
 * - `@laneKey`: the lane, as the JSON array `[documentId, scope, branch]`.
 * - `@seq`, `@jobId`: the job's place in the enqueue order, and its id.
 */
export const insertJobLane = defineStatement<{ laneKey: string; seq: number; jobId: string }>(`
INSERT INTO job_lanes (lane_key, seq, job_id) VALUES (@laneKey, @seq, @jobId)
`);
