/**
 * Pending jobs: waiting for their lanes, for their `run_at`, or ready. Takes no parameters.
 * @module
 */
import type { Statement } from './statement.js';

export const countBacklog: Statement = {
  name: 'seriatim_count_backlog',
  text: "SELECT count(*)::int AS n FROM jobs WHERE status = 'PENDING'",
};
