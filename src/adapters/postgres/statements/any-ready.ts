/**
 * Whether some job is claimable now (the polling backstop of LISTEN/NOTIFY).
 *
 * $1 bigint  now, ms (the storage clock)
 * @module
 */
import type { Statement } from './statement.js';

export const anyReady: Statement = {
  name: 'seriatim_any_ready',
  text: `
SELECT EXISTS (
  SELECT 1 FROM jobs
  WHERE status = 'PENDING' AND blockers = 0 AND (run_at IS NULL OR run_at <= $1)
) AS ready`,
};
