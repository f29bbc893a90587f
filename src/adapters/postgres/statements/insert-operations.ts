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
 * One element per snapshot:
 * $10 text[]     scope
 * $11 integer[]  idx (the lane's head after the write)
 * $12 text[]     state, JSON (null: undefined)
 * $13 text[]     hash
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const insertOperations: Statement = {
  name: 'seriatim_insert_operations',
  text: `
WITH ops AS (
  INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action)
  SELECT $1, o.scope, $2, o.idx, o.id, o.skip, o.hash, o.ts, o.action::jsonb
  FROM unnest($3::text[], $4::integer[], $5::text[], $6::integer[], $7::text[], $8::text[],
              $9::text[]) AS o(scope, idx, id, skip, hash, ts, action)
  RETURNING 1
), snapshots AS (
  INSERT INTO lane_snapshots (document_id, scope, branch, idx, state, hash)
  SELECT $1, s.scope, $2, s.idx, s.state::jsonb, s.hash
  FROM unnest($10::text[], $11::integer[], $12::text[], $13::text[]) AS s(scope, idx, state, hash)
  ON CONFLICT (document_id, scope, branch)
  DO UPDATE SET idx = excluded.idx, state = excluded.state, hash = excluded.hash
  RETURNING 1
)
SELECT (SELECT count(*) FROM ops)::int AS operations,
       (SELECT count(*) FROM snapshots)::int AS snapshots`,
};
