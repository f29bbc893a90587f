import type { OperationRow } from '../operation-row.js';
import { defineStatement } from './statement.js';

/**
 * The stored operations of a document and branch among the given ids, in no particular order.
 * - `@documentId`, `@branch`: where to look.
 * - `@ids`: JSON array of operation ids.
 */
export const findOperations = defineStatement<
  { documentId: string; branch: string; ids: string },
  OperationRow & { scope: string }
>(`
SELECT id, scope, idx, skip, hash, timestamp_utc_ms, action
FROM operations
WHERE id IN (SELECT value FROM json_each(@ids)) AND document_id = @documentId AND branch = @branch
`);
