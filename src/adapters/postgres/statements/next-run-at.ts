/**
 * The earliest `run_at` among pending lane heads that are not due yet.
 *
 * $1 bigint  now, ms (the storage clock)
 * @module
 */
import type { Statement } from './statement.js';

export const nextRunAt: Statement = {
  name: 'seriatim_next_run_at',
  text: `
SELECT min(run_at) AS run_at FROM jobs
WHERE status = 'PENDING' AND blockers = 0 AND run_at IS NOT NULL AND run_at > $1`,
};
