-- seriatim PostgreSQL schema 12: a job whose write's outcome is unknown keeps saying so across
-- claims (README: Semantics, "Retries"). outcome_unknown: true when an attempt's append failed with
-- its outcome unknown (it may have committed) and the job was released before an attempt learned
-- the outcome. `finish_claims` takes one flag per claim: a release with it sets the column, a
-- release without it keeps it, `complete` and `fail` clear it. Later claims hand it out with the
-- row (`job.outcomeUnknown`: retried past `maxRetries` until the outcome is known), and the reaper
-- returns a stalled flagged job to pending whatever its attempts. A claim completed inside
-- `append_operations` leaves the column as it was: a COMPLETED job never runs again, and its row
-- reports no flag (`rowToJob`).
ALTER TABLE jobs ADD COLUMN outcome_unknown boolean NOT NULL DEFAULT false;

DROP FUNCTION finish_claims(text[], uuid[], text[], integer[], integer[], text[], boolean[], bigint,
                            text, text);

CREATE FUNCTION finish_claims(ids text[], tokens uuid[], kinds text[],
                              attempt_counts integer[], error_codes integer[],
                              error_messages text[], halts boolean[], outcome_unknowns boolean[],
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
        runner_id = NULL, heartbeat_at = NULL,
        finished_at = CASE WHEN c.kind = 'release' THEN NULL ELSE now_ms END,
        last_error_code = CASE WHEN c.kind = 'fail' THEN c.error_code ELSE j.last_error_code END,
        last_error_message = CASE WHEN c.kind = 'fail' THEN c.error_message
                                  ELSE j.last_error_message END,
        halted = (c.kind = 'fail' AND c.halt),
        outcome_unknown = (c.kind = 'release' AND (j.outcome_unknown OR c.outcome_unknown))
    FROM unnest(ids, tokens, kinds, attempt_counts, error_codes, error_messages, halts,
                outcome_unknowns)
         AS c(id, token, kind, attempts, error_code, error_message, halt, outcome_unknown)
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

  -- Ended already this way with this token (an earlier call, or a completion inside
  -- `store.append`, whose attempts the runtime's `complete` stores, and whose flag it clears):
  -- a no-op success.
  RETURN QUERY
  WITH confirmed AS (
    UPDATE jobs AS j SET attempts = CASE WHEN c.kind = 'complete' THEN c.attempts
                                         ELSE j.attempts END,
                         outcome_unknown = (c.kind = 'release' AND j.outcome_unknown)
    FROM unnest(ids, tokens, kinds, attempt_counts) AS c(id, token, kind, attempts)
    WHERE NOT (c.id = ANY(ended))
      AND j.id = c.id AND j.claim_token = c.token
      AND j.status = CASE c.kind WHEN 'complete' THEN 'COMPLETED' WHEN 'fail' THEN 'FAILED'
                                 ELSE 'PENDING' END
    RETURNING j.id
  )
  SELECT e.id FROM unnest(ended) AS e(id)
  UNION ALL
  SELECT f.id FROM confirmed AS f;
END
$$;
