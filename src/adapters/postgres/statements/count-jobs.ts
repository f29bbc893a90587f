/**
 * Jobs per status. Takes no parameters.
 * @module
 */
import type { Statement } from './statement.js';

export const countJobs: Statement = {
  name: 'seriatim_count_jobs',
  text: 'SELECT status, count(*)::int AS n FROM jobs GROUP BY status',
};
