import type { OperationRow } from '../operation-row.js';
import { defineStatement } from './statement.js';

/**
 * The stored operations of a document and branch among the given ids, in no particular order
 * (an id given twice may come back twice).
 * - `@documentId`, `@branch`: where to look.
 * - `@ids`: JSON array of operation ids.
 *
 * `CROSS JOIN` keeps `json_each` the outer loop, so each id is one lookup in the unique index on
 * `operations.id`; left to itself the planner walks every operation of the document.
 */
export const findOperations = defineStatement<
  { documentId: string; branch: string; ids: string },
  OperationRow & { scope: string }
>(`
SELECT o.id, o.scope, o.idx, o.skip, o.hash, o.timestamp_utc_ms, o.action
FROM json_each(@ids) AS wanted
CROSS JOIN operations AS o ON o.id = wanted.value
WHERE o.document_id = @documentId AND o.branch = @branch
`);
