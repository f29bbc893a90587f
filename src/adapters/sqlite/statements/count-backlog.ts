import { defineStatement } from './statement.js';

/** Number of pending jobs (the backlog). No parameters. */
export const countBacklog = defineStatement<Record<string, never>, { n: number }>(`
SELECT COUNT(*) AS n FROM jobs WHERE status = 'PENDING'
`);
