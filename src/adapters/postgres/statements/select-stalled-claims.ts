/**
 * Running claims whose last heartbeat is older than the cutoff, oldest first.
 *
 * $1 bigint   cutoff, ms: now - stalledThreshold
 * $2 integer  at most this many (maxReapBatch)
 * @module
 */
import type { Statement } from './statement.js';

export const selectStalledClaims: Statement = {
  name: 'seriatim_select_stalled_claims',
  text: `
SELECT id, claim_token::text AS token FROM jobs
WHERE status = 'RUNNING' AND heartbeat_at < $1
ORDER BY heartbeat_at, seq
LIMIT $2`,
};
