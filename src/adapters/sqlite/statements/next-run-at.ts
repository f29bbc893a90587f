import { defineStatement } from './statement.js';

/**
 * The earliest `run_at` after `@now` among pending jobs that head all their lanes (NULL: none).
 * - `@now`: the clock's time (ms).
 */
export const nextRunAt = defineStatement<{ now: number }, { at: number | null }>(`
SELECT MIN(run_at) AS at FROM jobs INDEXED BY jobs_delayed
WHERE status = 'PENDING' AND blockers = 0 AND run_at IS NOT NULL AND run_at > @now
`);
