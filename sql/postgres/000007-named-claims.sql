-- seriatim PostgreSQL schema 7: claim calls are named, so a lost answer can be recovered.
-- A runtime whose `claim` or `claimLane` took effect but whose answer was lost (a connection
-- dropped after the commit) would leave those jobs RUNNING under tokens it never saw: heartbeated
-- by nobody, they wait for the reaper, an attempt wasted. Each call now carries a request id
-- chosen by the runtime, and a job's token is derived from it, md5(request || '.' || seq), so
-- `reclaim` finds the claims of a call by its request id. The functions of schema 4 stay for
-- processes not yet upgraded (their tokens are random; nothing reclaims them).
CREATE FUNCTION claim_jobs(runner text, max_jobs integer, now_ms bigint, request text)
  RETURNS SETOF jobs
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  SET enable_sort = off
AS $$
BEGIN
  RETURN QUERY
  UPDATE jobs AS j
  SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = runner,
      claim_token = md5(request || '.' || j.seq)::uuid, heartbeat_at = now_ms
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

CREATE FUNCTION claim_lanes(runner text, lane_documents text[], lane_branches text[],
                            lane_scopes text[], lane_requests text[], now_ms bigint)
  RETURNS SETOF jobs
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
  RETURN QUERY
  UPDATE jobs AS j
  SET status = 'RUNNING', attempts = j.attempts + 1, runner_id = runner,
      claim_token = md5(head.request || '.' || j.seq)::uuid, heartbeat_at = now_ms
  FROM unnest(lane_documents, lane_branches, lane_scopes, lane_requests)
         AS x(document_id, branch, scope, request)
  CROSS JOIN LATERAL (
    SELECT c.seq, x.request FROM jobs AS c
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
