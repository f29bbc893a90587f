/**
 * Append, step 2 (after `lockLanes` on the request's lanes): each lane's head, and which of the
 * request's operations are stored already in their lane (for the replay check), in one round
 * trip.
 *
 * $1 text    document_id
 * $2 text    branch
 * $3 text[]  scopes of the request's lanes
 * $4 text[]  ids of the request's operations
 * $5 text[]  scope of each of the request's operations
 * Returns `heads` (integer[], in $3 order, -1 for an empty lane) and `found` (a JSON array in $4
 * order: per operation, the one its lane stores with that id as an `Operation` object, or null).
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const selectAppendState: Statement = {
  name: 'seriatim_select_append_state',
  text: `
SELECT
  ARRAY(
    SELECT coalesce((SELECT max(o.idx) FROM operations AS o
                     WHERE o.document_id = $1 AND o.scope = s.scope AND o.branch = $2), -1)
    FROM unnest($3::text[]) WITH ORDINALITY AS s(scope, ord)
    ORDER BY s.ord
  ) AS heads,
  (SELECT coalesce(jsonb_agg(CASE WHEN o.id IS NULL THEN NULL ELSE jsonb_build_object(
            'id', o.id, 'index', o.idx, 'skip', o.skip, 'hash', o.hash,
            'timestampUtcMs', o.timestamp_utc_ms, 'action', o.action)
            || CASE WHEN o.error IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('error', o.error) END END ORDER BY w.ord),
            '[]'::jsonb)
   FROM unnest($5::text[], $4::text[]) WITH ORDINALITY AS w(scope, id, ord)
   LEFT JOIN operations AS o
     ON o.document_id = $1 AND o.scope = w.scope AND o.branch = $2 AND o.id = w.id) AS found`,
};
