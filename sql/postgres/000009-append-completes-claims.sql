-- seriatim PostgreSQL schema 9: `append_operations` completes the claims its requests carry.
-- The runtime hands each attempt's claim to the document executor, whose append then ends the
-- claim in the statement that writes the job's operations: one round trip and one commit for
-- both, instead of an append and a `finish_claims` call (and its locks and planning) per batch.
-- Per request, the claim ($19-$21, nulls for a request without one) is judged first:
--   'stale'     the claim holds no RUNNING job with its token and did not complete it either
--               (another claim holds the job, it was reaped, or it ended another way): nothing
--               is written, and its other checks are not made;
-- then as in schema 8 ('replayed', 'conflict', 'malformed', 'unwritten', 'written'). A written or
-- replayed request's claim is completed (attempts stored when given), its job leaves its lanes
-- (`leave_lanes`, which notifies `channel` when a job becomes ready), and the token stays on the
-- job, so that the runtime's `complete` with it is a no-op success (`finish_claims` confirms it).
-- A claim completed with its token already (a retry after a lost answer) is not stale. The lanes
-- of the claims' jobs are locked with the requests' lanes (they are among them for the runtime's
-- appends); no two requests of a batch share a lane, so neither do their claims' jobs.
DROP FUNCTION append_operations(text[], text[], boolean[], integer[], text[], integer[], integer[],
                                text[], text[], integer[], text[], integer[], text[], integer[],
                                text[], text[], text[], text[]);

CREATE FUNCTION append_operations(
  r_document text[], r_branch text[], r_write boolean[],
  l_request integer[], l_scope text[], l_expected integer[],
  l_snapshot_idx integer[], l_state text[], l_hash text[],
  o_request integer[], o_scope text[], o_idx integer[], o_id text[], o_skip integer[],
  o_hash text[], o_ts text[], o_action text[], o_error text[],
  r_claim_id text[], r_claim_token uuid[], r_claim_attempts integer[],
  now_ms bigint, channel text, origin text)
  RETURNS TABLE (request integer, verdict text, detail jsonb)
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
#variable_conflict use_column
DECLARE
  verdicts text[];
  details jsonb[];
  leaving bigint[];
BEGIN
  PERFORM lock_lanes(array_agg(r_document[l.request]), array_agg(r_branch[l.request]),
                     array_agg(l.scope),
                     (SELECT coalesce(array_agg(c.id), '{}') FROM unnest(r_claim_id, r_claim_token)
                        AS c(id, token) WHERE c.token IS NOT NULL),
                     (SELECT coalesce(array_agg(c.token), '{}') FROM unnest(r_claim_id, r_claim_token)
                        AS c(id, token) WHERE c.token IS NOT NULL))
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
             WHEN r.stale THEN 'stale'
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
               AS conflict,
             (r_claim_token[q.request] IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM jobs AS j
                WHERE j.id = r_claim_id[q.request] AND j.claim_token = r_claim_token[q.request]
                  AND (j.status = 'RUNNING' OR j.status = 'COMPLETED') IS TRUE)) AS stale
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

  WITH done AS (
    UPDATE jobs AS j
    SET status = 'COMPLETED', attempts = coalesce(c.attempts, j.attempts), finished_at = now_ms,
        runner_id = NULL, heartbeat_at = NULL
    FROM unnest(r_claim_id, r_claim_token, r_claim_attempts) WITH ORDINALITY
         AS c(id, token, attempts, request)
    WHERE c.token IS NOT NULL AND verdicts[c.request] IN ('written', 'replayed')
      AND j.id = c.id AND j.claim_token = c.token AND (j.status = 'RUNNING') IS TRUE
    RETURNING j.seq
  )
  SELECT coalesce(array_agg(d.seq), '{}') INTO leaving FROM done AS d;
  IF cardinality(leaving) > 0 THEN
    PERFORM leave_lanes(leaving, channel, origin);
  END IF;

  RETURN QUERY
  SELECT v.request::integer, v.verdict, details[v.request::integer]
  FROM unnest(verdicts) WITH ORDINALITY AS v(verdict, request);
END
$$;
