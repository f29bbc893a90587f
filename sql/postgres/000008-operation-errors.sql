-- seriatim PostgreSQL schema 8: an operation can record that its reducer rejected its action (a
-- model with `onReducerError: 'record'`, as Powerhouse's): `error` holds the reducer's message,
-- NULL for an applied operation. Such an operation holds its index and changed nothing.

ALTER TABLE operations ADD COLUMN error text;

-- append_operations of schema 5 with one more array, o_error (one element per operation, null for
-- an applied one), stored in `error` and returned in a replay's operations. Its argument list
-- changes, so the old function is dropped rather than replaced (which would add an overload).
DROP FUNCTION append_operations(text[], text[], boolean[], integer[], text[], integer[], integer[],
                                text[], text[], integer[], text[], integer[], text[], integer[],
                                text[], text[], text[]);

CREATE FUNCTION append_operations(
  r_document text[], r_branch text[], r_write boolean[],
  l_request integer[], l_scope text[], l_expected integer[],
  l_snapshot_idx integer[], l_state text[], l_hash text[],
  o_request integer[], o_scope text[], o_idx integer[], o_id text[], o_skip integer[],
  o_hash text[], o_ts text[], o_action text[], o_error text[])
  RETURNS TABLE (request integer, verdict text, detail jsonb)
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
#variable_conflict use_column
DECLARE
  verdicts text[];
  details jsonb[];
BEGIN
  PERFORM lock_lanes(array_agg(r_document[l.request]), array_agg(r_branch[l.request]),
                     array_agg(l.scope), '{}', '{}')
  FROM unnest(l_request, l_scope) AS l(request, scope);

  WITH lanes AS (
    SELECT l.request, l.ord, l.expected,
           coalesce((SELECT max(o.idx) FROM operations AS o
                     WHERE o.document_id = r_document[l.request] AND o.scope = l.scope
                       AND o.branch = r_branch[l.request]), -1) AS head
    FROM unnest(l_request, l_scope, l_expected) WITH ORDINALITY AS l(request, scope, expected, ord)
  ), found AS (
    -- Each operation of the batch stored with its id in its own lane, by the per-lane unique
    -- index; `ord` is the operation's position in the batch.
    SELECT x.request, x.ord, o.*
    FROM unnest(o_request, o_scope, o_id) WITH ORDINALITY AS x(request, scope, id, ord)
    JOIN operations AS o
      ON o.document_id = r_document[x.request] AND o.scope = x.scope
     AND o.branch = r_branch[x.request] AND o.id = x.id
  ), judged AS (
    SELECT r.request,
           CASE
             WHEN r.operations > 0 AND r.found = r.operations THEN 'replayed'
             WHEN r.conflict THEN 'conflict'
             WHEN r.found > 0 THEN 'malformed'
             WHEN NOT r_write[r.request] THEN 'unwritten'
             ELSE 'written'
           END AS verdict
    FROM (
      SELECT q.request,
             (SELECT count(*) FROM unnest(o_request) AS x(request) WHERE x.request = q.request)
               AS operations,
             (SELECT count(*) FROM found AS f WHERE f.request = q.request) AS found,
             EXISTS (SELECT 1 FROM lanes AS l WHERE l.request = q.request AND l.head <> l.expected)
               AS conflict
      FROM generate_series(1, cardinality(r_document)) AS q(request)
    ) AS r
  )
  SELECT array_agg(j.verdict ORDER BY j.request),
         array_agg(CASE j.verdict
           WHEN 'replayed' THEN (
             SELECT jsonb_agg(jsonb_build_object(
                      'id', f.id, 'index', f.idx, 'skip', f.skip, 'hash', f.hash,
                      'timestampUtcMs', f.timestamp_utc_ms, 'action', f.action)
                      || CASE WHEN f.error IS NULL THEN '{}'::jsonb
                              ELSE jsonb_build_object('error', f.error) END ORDER BY f.ord)
             FROM found AS f WHERE f.request = j.request)
           WHEN 'conflict' THEN (
             SELECT jsonb_agg(l.head ORDER BY l.ord) FROM lanes AS l WHERE l.request = j.request)
           WHEN 'malformed' THEN (
             SELECT jsonb_agg(DISTINCT f.id) FROM found AS f WHERE f.request = j.request)
         END ORDER BY j.request)
  INTO verdicts, details
  FROM judged AS j;

  INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action,
                          error)
  SELECT r_document[o.request], o.scope, r_branch[o.request], o.idx, o.id, o.skip, o.hash, o.ts,
         o.action::jsonb, o.error
  FROM unnest(o_request, o_scope, o_idx, o_id, o_skip, o_hash, o_ts, o_action, o_error)
       AS o(request, scope, idx, id, skip, hash, ts, action, error)
  WHERE verdicts[o.request] = 'written';

  INSERT INTO lane_snapshots (document_id, scope, branch, idx, state, hash)
  SELECT r_document[s.request], s.scope, r_branch[s.request], s.idx, s.state::jsonb, s.hash
  FROM unnest(l_request, l_scope, l_snapshot_idx, l_state, l_hash) AS s(request, scope, idx, state, hash)
  WHERE verdicts[s.request] = 'written' AND s.idx IS NOT NULL
  ON CONFLICT (document_id, scope, branch)
  DO UPDATE SET idx = excluded.idx, state = excluded.state, hash = excluded.hash;

  RETURN QUERY
  SELECT v.request::integer, v.verdict, details[v.request::integer]
  FROM unnest(verdicts) WITH ORDINALITY AS v(verdict, request);
END
$$;
