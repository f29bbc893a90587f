-- seriatim PostgreSQL schema 4: the hot writes as functions, so each is one round trip.
-- A transaction of several statements costs a round trip per statement plus BEGIN and COMMIT
-- (an append was five, the end of a batch of claims five). A PL/pgSQL function runs them in one
-- call, and, called in READ COMMITTED, each statement inside it takes a fresh snapshot: a
-- statement that runs after the lane locks sees every write committed by the locks' previous
-- holders, exactly as the separate statements of a transaction did. Every function here takes
-- lane locks in the same order as before (the barrier shared, then lane keys ascending).
--
-- PL/pgSQL keeps the plans of its statements for the session, and a plan made while a table was
-- nearly empty (a fresh schema) stays in use as the table grows: measured, `leave_lanes` kept a
-- hash anti join over a sequential scan of all of `job_lanes` and `jobs` (P4 fell from ~3,500 to
-- 880 jobs/s, 950 µs of server CPU per job). Every statement here touches a few rows per element
-- of its input arrays, by key, so the functions plan without sequential scans, hash and merge
-- joins: nested loops over index lookups, whatever the statistics say. The queue tables' own
-- statistics mislead too: VACUUM and ANALYZE mostly see them idle (job_lanes measured at 3 rows
-- in 491 pages, the partial index jobs_ready at 0 rows), so the planner preferred a sequential
-- scan of job_lanes per lane, and walking every pending job through jobs_unfinished (status)
-- over the ready ones through jobs_ready. Tests of `status` that must not pick jobs_unfinished
-- read `(status = …) IS TRUE`, which the planner cannot match with that index's predicate.

-- Claim tokens are looked up with their job id (complete, fail, release, reap) or among the
-- running jobs (heartbeats, every few seconds): an index of random UUIDs cost an insertion into
-- a random page at every claim.
DROP INDEX jobs_claim_token;

-- The lane locks, as the statement lock-lanes.ts took them: the barrier in shared mode, then the
-- lanes given and the lanes of the given claims' jobs (token still holding a RUNNING job), each
-- once, in key order. PL/pgSQL rather than SQL: it keeps its statement's plan for the session
-- (a SQL function called from another function is planned again at every call).
CREATE FUNCTION lock_lanes(document_ids text[], branches text[], scopes text[], job_ids text[],
                           tokens uuid[]) RETURNS integer
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
DECLARE
  locked integer;
BEGIN
  SELECT count(CASE WHEN keys.barrier THEN pg_advisory_xact_lock_shared(keys.k)
                    ELSE pg_advisory_xact_lock(keys.k) END)::int
  INTO locked
  FROM (
    SELECT true AS barrier, lane_barrier_key() AS k
    UNION ALL
    SELECT false, lanes.k FROM (
      SELECT lane_lock_key(l.document_id, l.branch, l.scope) AS k
      FROM unnest(document_ids, branches, scopes) AS l(document_id, branch, scope)
      UNION
      SELECT lane_lock_key(l.document_id, l.branch, l.scope)
      FROM unnest(job_ids, tokens) AS c(id, token)
      JOIN jobs j ON j.id = c.id AND j.claim_token = c.token AND (j.status = 'RUNNING') IS TRUE
      JOIN job_lanes l ON l.seq = j.seq
    ) AS lanes
    ORDER BY 1 DESC, 2
  ) AS keys;
  RETURN locked;
END
$$;

-- Removes finished (cancelled, skipped) jobs from their lanes and unblocks the jobs that become
-- lane heads, as the statement leave-lanes.ts did; run after lock_lanes on those lanes. The jobs
-- of one call never share a lane. Returns the lane rows removed, the jobs made ready, and
-- whether listeners were notified (when one is ready).
CREATE FUNCTION leave_lanes(seqs bigint[], channel text, origin text,
                            OUT lanes_left integer, OUT made_ready integer, OUT notified integer)
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
#variable_conflict use_column
BEGIN
  WITH gone AS (
    DELETE FROM job_lanes WHERE seq = ANY(seqs)
    RETURNING document_id, branch, scope, seq
  ), successors AS (
    -- The lane's next and earlier rows through the primary key: the row comparisons keep the
    -- planner off the index on seq alone, which it chose (walking every later job of every
    -- lane) when statistics taken on a nearly empty job_lanes said few rows follow a seq.
    SELECT (SELECT n.seq FROM job_lanes AS n
            WHERE (n.document_id, n.branch, n.scope) = (g.document_id, g.branch, g.scope)
              AND (n.document_id, n.branch, n.scope, n.seq) > (g.document_id, g.branch, g.scope, g.seq)
            ORDER BY n.document_id, n.branch, n.scope, n.seq
            LIMIT 1) AS seq
    FROM gone AS g
    WHERE NOT EXISTS (
      SELECT 1 FROM job_lanes AS e
      WHERE (e.document_id, e.branch, e.scope) = (g.document_id, g.branch, g.scope)
        AND (e.document_id, e.branch, e.scope, e.seq) < (g.document_id, g.branch, g.scope, g.seq)
    )
  ), unblocked AS (
    UPDATE jobs AS j SET blockers = j.blockers - s.n
    FROM (SELECT seq, count(*)::int AS n FROM successors WHERE seq IS NOT NULL GROUP BY seq) AS s
    WHERE j.seq = s.seq
    RETURNING j.blockers
  )
  SELECT (SELECT count(*) FROM gone)::int,
         (SELECT count(*) FROM unblocked WHERE blockers = 0)::int,
         (SELECT count(*) FROM (SELECT pg_notify(channel, origin)
                                WHERE EXISTS (SELECT 1 FROM unblocked WHERE blockers = 0)) AS n)::int
  INTO lanes_left, made_ready, notified;
END
$$;

-- Ends a batch of claims (complete, fail, release), each fenced by its token, in one call:
-- lock_lanes on the claims whose jobs leave their lanes (complete, or fail without halt), end
-- every claim whose token still holds its RUNNING job, leave_lanes for the leaving ones, then
-- confirm the `complete`s whose job `store.append` completed already with that token (a no-op
-- success that stores the attempts and clears the token). A released job makes listeners wake.
-- Returns the id of every claim that held or was confirmed; the others are stale.
CREATE FUNCTION finish_claims(ids text[], tokens uuid[], kinds text[], attempt_counts integer[],
                              error_codes integer[], error_messages text[], halts boolean[],
                              now_ms bigint, channel text, origin text)
  RETURNS TABLE (id text)
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
#variable_conflict use_column
DECLARE
  ended text[];
  leaving bigint[];
  released boolean;
BEGIN
  PERFORM lock_lanes('{}', '{}', '{}', array_agg(c.id), array_agg(c.token))
  FROM unnest(ids, tokens, kinds, halts) AS c(id, token, kind, halt)
  WHERE c.kind = 'complete' OR (c.kind = 'fail' AND NOT c.halt)
  HAVING count(*) > 0;

  WITH done AS (
    UPDATE jobs AS j
    SET status = CASE c.kind WHEN 'complete' THEN 'COMPLETED' WHEN 'fail' THEN 'FAILED'
                             ELSE 'PENDING' END,
        attempts = c.attempts,
        claim_token = NULL, runner_id = NULL, heartbeat_at = NULL,
        finished_at = CASE WHEN c.kind = 'release' THEN NULL ELSE now_ms END,
        last_error_code = CASE WHEN c.kind = 'fail' THEN c.error_code ELSE j.last_error_code END,
        last_error_message = CASE WHEN c.kind = 'fail' THEN c.error_message
                                  ELSE j.last_error_message END,
        halted = (c.kind = 'fail' AND c.halt)
    FROM unnest(ids, tokens, kinds, attempt_counts, error_codes, error_messages, halts)
         AS c(id, token, kind, attempts, error_code, error_message, halt)
    WHERE j.id = c.id AND j.claim_token = c.token AND (j.status = 'RUNNING') IS TRUE
    RETURNING j.id, j.seq, c.kind, (c.kind = 'complete' OR (c.kind = 'fail' AND NOT c.halt)) AS leaves
  )
  SELECT coalesce(array_agg(d.id), '{}'),
         coalesce(array_agg(d.seq) FILTER (WHERE d.leaves), '{}'),
         coalesce(bool_or(d.kind = 'release'), false)
  INTO ended, leaving, released
  FROM done AS d;

  IF cardinality(leaving) > 0 THEN
    PERFORM leave_lanes(leaving, channel, origin);
  END IF;
  IF released THEN
    PERFORM pg_notify(channel, origin);
  END IF;

  RETURN QUERY
  WITH confirmed AS (
    UPDATE jobs AS j SET claim_token = NULL, attempts = c.attempts
    FROM unnest(ids, tokens, kinds, attempt_counts) AS c(id, token, kind, attempts)
    WHERE c.kind = 'complete' AND NOT (c.id = ANY(ended))
      AND j.id = c.id AND j.claim_token = c.token AND j.status = 'COMPLETED'
    RETURNING j.id
  )
  SELECT e.id FROM unnest(ended) AS e(id)
  UNION ALL
  SELECT f.id FROM confirmed AS f;
END
$$;

-- Appends the operations of a batch of requests (`store.append` calls of one tick), each
-- atomic and fenced on its own, in one call. The caller guarantees that no two requests of a
-- batch share a lane or an operation id. Under the locks of every lane of the batch, each
-- request gets its verdict, in the order the single append checked it:
--   'replayed'  every operation id is stored already in its document and branch (nothing is
--               written; `detail` holds the stored operations);
--   'conflict'  a lane's head differs from its expected head (`detail`: the heads, in lane order);
--   'malformed' an operation id is stored already, here or elsewhere (`detail`: those ids);
--   'unwritten' the caller found the request malformed and asked for its verdict only;
--   'written'   its operations and snapshots are written.
-- Requests ($1..$3), one element each: document id, branch, whether to write.
-- Lanes ($4..$9), one element each: request (1-based), scope, expected head, and the snapshot
-- to store (idx, state JSON, hash; idx NULL: none).
-- Operations ($10..$17), one element each: request, scope, idx, id, skip, hash, timestamp,
-- action JSON.
CREATE FUNCTION append_operations(
  r_document text[], r_branch text[], r_write boolean[],
  l_request integer[], l_scope text[], l_expected integer[],
  l_snapshot_idx integer[], l_state text[], l_hash text[],
  o_request integer[], o_scope text[], o_idx integer[], o_id text[], o_skip integer[],
  o_hash text[], o_ts text[], o_action text[])
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
    SELECT x.request, o.*,
           (o.document_id = r_document[x.request] AND o.branch = r_branch[x.request]) AS here
    FROM unnest(o_request, o_id) AS x(request, id)
    JOIN operations AS o ON o.id = x.id
  ), judged AS (
    SELECT r.request,
           CASE
             WHEN r.operations > 0 AND r.found_here = r.operations THEN 'replayed'
             WHEN r.conflict THEN 'conflict'
             WHEN r.found > 0 THEN 'malformed'
             WHEN NOT r_write[r.request] THEN 'unwritten'
             ELSE 'written'
           END AS verdict
    FROM (
      SELECT q.request,
             (SELECT count(*) FROM unnest(o_request) AS x(request) WHERE x.request = q.request)
               AS operations,
             (SELECT count(*) FROM found AS f WHERE f.request = q.request AND f.here) AS found_here,
             (SELECT count(*) FROM found AS f WHERE f.request = q.request) AS found,
             EXISTS (SELECT 1 FROM lanes AS l WHERE l.request = q.request AND l.head <> l.expected)
               AS conflict
      FROM generate_series(1, cardinality(r_document)) AS q(request)
    ) AS r
  )
  SELECT array_agg(j.verdict ORDER BY j.request),
         array_agg(CASE j.verdict
           WHEN 'replayed' THEN (
             SELECT jsonb_agg(DISTINCT jsonb_build_object(
                      'id', f.id, 'index', f.idx, 'skip', f.skip, 'hash', f.hash,
                      'timestampUtcMs', f.timestamp_utc_ms, 'action', f.action))
             FROM found AS f WHERE f.request = j.request AND f.here)
           WHEN 'conflict' THEN (
             SELECT jsonb_agg(l.head ORDER BY l.ord) FROM lanes AS l WHERE l.request = j.request)
           WHEN 'malformed' THEN (
             SELECT jsonb_agg(DISTINCT f.id) FROM found AS f WHERE f.request = j.request)
         END ORDER BY j.request)
  INTO verdicts, details
  FROM judged AS j;

  INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action)
  SELECT r_document[o.request], o.scope, r_branch[o.request], o.idx, o.id, o.skip, o.hash, o.ts,
         o.action::jsonb
  FROM unnest(o_request, o_scope, o_idx, o_id, o_skip, o_hash, o_ts, o_action)
       AS o(request, scope, idx, id, skip, hash, ts, action)
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

-- Claims up to `max_jobs` jobs for `runner`: the oldest pending, due jobs that head every one of
-- their lanes (blockers = 0), through jobs_ready in seq order (sorting is off, so that the planner
-- cannot sort all pending jobs instead). See the statement claim-jobs.ts.
CREATE FUNCTION claim_jobs(runner text, max_jobs integer, now_ms bigint)
  RETURNS SETOF jobs
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  SET enable_sort = off
AS $$
BEGIN
  RETURN QUERY
  UPDATE jobs AS j
  SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = runner,
      claim_token = gen_random_uuid(), heartbeat_at = now_ms
  FROM (
    SELECT r.seq FROM jobs AS r
    WHERE r.status = 'PENDING' AND r.blockers = 0 AND (r.run_at IS NULL OR r.run_at <= now_ms)
    ORDER BY r.seq
    LIMIT max_jobs
    FOR UPDATE SKIP LOCKED
  ) AS ready
  WHERE j.seq = ready.seq
  RETURNING j.*;
END
$$;

-- Claims the head job of each given lane when it is claimable now (PENDING, heading all its
-- lanes, due); a job heading several of the lanes is claimed once. Per lane: its head's seq by
-- job_lanes' primary key, then that job by primary key. See the statement claim-lanes.ts.
CREATE FUNCTION claim_lanes(runner text, lane_documents text[], lane_branches text[],
                            lane_scopes text[], now_ms bigint)
  RETURNS SETOF jobs
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
  RETURN QUERY
  UPDATE jobs AS j
  SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = runner,
      claim_token = gen_random_uuid(), heartbeat_at = now_ms
  FROM unnest(lane_documents, lane_branches, lane_scopes) AS x(document_id, branch, scope)
  CROSS JOIN LATERAL (
    SELECT c.seq FROM jobs AS c
    WHERE c.seq = (SELECT min(l.seq) FROM job_lanes AS l
                   WHERE l.document_id = x.document_id AND l.branch = x.branch
                     AND l.scope = x.scope)
      AND (c.status = 'PENDING') IS TRUE AND c.blockers = 0
      AND (c.run_at IS NULL OR c.run_at <= now_ms)
    FOR UPDATE SKIP LOCKED
  ) AS head
  WHERE j.seq = head.seq
  RETURNING j.*;
END
$$;
