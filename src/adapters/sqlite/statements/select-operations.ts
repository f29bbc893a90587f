import type { OperationRow } from '../operation-row.js';
import { defineStatement } from './statement.js';

/**
 * A lane's operations from index `@fromIndex` on, in index order.
 * - `@documentId`, `@scope`, `@branch`: the lane.
 * - `@fromIndex`: the first index returned.
 */
export const selectOperations = defineStatement<
  { documentId: string; scope: string; branch: string; fromIndex: number },
  OperationRow
>(`
SELECT id, idx, skip, hash, timestamp_utc_ms, action, error
FROM operations
WHERE document_id = @documentId AND scope = @scope AND branch = @branch AND idx >= @fromIndex
ORDER BY idx
`);
