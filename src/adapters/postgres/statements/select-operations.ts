/**
 * A lane's operations from an index on, in index order.
 *
 * $1 text     document_id
 * $2 text     scope
 * $3 text     branch
 * $4 integer  from this idx on
 * @module
 */
import type { Statement } from './statement.js';

export const selectOperations: Statement = {
  name: 'seriatim_select_operations',
  text: `
SELECT id, idx, skip, hash, timestamp_utc_ms, action, error FROM operations
WHERE document_id = $1 AND scope = $2 AND branch = $3 AND idx >= $4
ORDER BY idx`,
};
