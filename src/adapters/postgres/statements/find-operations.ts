/**
 * The stored operations among some (scope, id) refs, in one document and branch: ids are unique
 * per lane, so a ref matches only an operation of its own scope (the per-lane unique index).
 *
 * $1 text    document_id
 * $2 text    branch
 * $3 text[]  scope of each ref
 * $4 text[]  operation id of each ref
 * Returns the found operations with `ref`, the 1-based position of their ref, in no order.
 * @module
 */
import type { Statement } from './statement.js';

export const findOperations: Statement = {
  name: 'seriatim_find_operations',
  text: `
SELECT w.ref::integer AS ref, o.id, o.idx, o.skip, o.hash, o.timestamp_utc_ms, o.action, o.error
FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS w(scope, id, ref)
JOIN operations AS o
  ON o.document_id = $1 AND o.scope = w.scope AND o.branch = $2 AND o.id = w.id`,
};
