/**
 * The stored operations among some ids, in one document and branch.
 *
 * $1 text    document_id
 * $2 text    branch
 * $3 text[]  operation ids
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const findOperations: Statement = {
  name: 'seriatim_find_operations',
  text: `
SELECT id, idx, skip, hash, timestamp_utc_ms, action FROM operations
WHERE id = ANY($3::text[]) AND document_id = $1 AND branch = $2`,
};
