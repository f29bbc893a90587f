import type { OperationRow } from '../operation-row.js';
import { defineStatement } from './statement.js';

/**
 * The stored operations of a document and branch among the given (scope, id) refs, each with the
 * position of its ref, in no particular order. Ids are unique per lane: a ref matches only an
 * operation of its own scope.
 * - `@documentId`, `@branch`: where to look.
 * - `@refs`: JSON array of `[scope, id]` pairs.
 *
 * `CROSS JOIN` keeps `json_each` the outer loop, so each ref is one lookup in the unique index on
 * `operations (document_id, scope, branch, id)`.
 */
export const findOperations = defineStatement<
  { documentId: string; branch: string; refs: string },
  OperationRow & { scope: string; ref: number }
>(`
SELECT wanted.key AS ref, o.id, o.scope, o.idx, o.skip, o.hash, o.timestamp_utc_ms, o.action,
  o.error
FROM json_each(@refs) AS wanted
CROSS JOIN operations AS o
  ON o.document_id = @documentId AND o.scope = json_extract(wanted.value, '$[0]')
  AND o.branch = @branch AND o.id = json_extract(wanted.value, '$[1]')
`);
