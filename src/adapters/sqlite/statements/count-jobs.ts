import type { JobStatus } from '../../../types.js';
import { defineStatement } from './statement.js';

/** Number of jobs per status (statuses without jobs are absent). No parameters. */
export const countJobs = defineStatement<Record<string, never>, { status: JobStatus; n: number }>(`
SELECT status, COUNT(*) AS n FROM jobs GROUP BY status
`);
