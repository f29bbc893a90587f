/**
 * Append, step 3: writes the operations and replaces the lanes' snapshots.
 *
 * $1  text       document_id
 * $2  text       branch
 * One element per operation:
 * $3  text[]     scope
 * $4  integer[]  idx
 * $5  text[]     id
 * $6  integer[]  skip
 * $7  text[]     hash
 * $8  text[]     timestamp_utc_ms
 * $9  text[]     action, JSON
 * $10 text[]     error: the recorded reducer rejection, null for an applied operation
 * One element per snapshot:
 * $11 text[]     scope
 * $12 integer[]  idx (the lane's head after the write)
 * $13 text[]     state, JSON (null: undefined)
 * $14 text[]     hash
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const insertOperations: Statement = {
  name: 'seriatim_insert_operations',
  text: `
WITH ops AS (
  INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action,
                          error)
  SELECT $1, o.scope, $2, o.idx, o.id, o.skip, o.hash, o.ts, o.action::jsonb, o.error
  FROM unnest($3::text[], $4::integer[], $5::text[], $6::integer[], $7::text[], $8::text[],
              $9::text[], $10::text[]) AS o(scope, idx, id, skip, hash, ts, action, error)
  RETURNING 1
), snapshots AS (
  INSERT INTO lane_snapshots (document_id, scope, branch, idx, state, hash)
  SELECT $1, s.scope, $2, s.idx, s.state::jsonb, s.hash
  FROM unnest($11::text[], $12::integer[], $13::text[], $14::text[]) AS s(scope, idx, state, hash)
  ON CONFLICT (document_id, scope, branch)
  DO UPDATE SET idx = excluded.idx, state = excluded.state, hash = excluded.hash
  RETURNING 1
)
SELECT (SELECT count(*) FROM ops)::int AS operations,
       (SELECT count(*) FROM snapshots)::int AS snapshots`,
};
