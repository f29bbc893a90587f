-- seriatim PostgreSQL schema 1: the job queue (jobs, job_lanes) and the operation store
-- (operations, lane_snapshots). Times are bigint ms since epoch from the storage's injected clock.
-- Runs inside the schema chosen by the `schema` option (search_path), under the migration lock.

-- Every job, in the total enqueue order `seq`. Finished jobs stay (for `get` and `counts`).
CREATE TABLE jobs (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  document_id text NOT NULL,
  branch text NOT NULL,
  scopes text[] NOT NULL,
  actions jsonb NOT NULL,
  resulting_hash text,
  status text NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
  created_at bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  max_retries integer,
  run_at bigint,
  meta jsonb,
  -- How many of the job's lanes hold an earlier unfinished job: 0 means the job heads every one
  -- of its lanes. Set by enqueue and decremented when a lane's head leaves it, both under the
  -- lane's advisory lock (see lane_lock_key).
  blockers integer NOT NULL DEFAULT 0,
  -- The claim holding a RUNNING job. A COMPLETED job keeps its token when `store.append` completed
  -- it, until the runtime's own `complete` with that token clears it (a no-op success).
  claim_token uuid,
  runner_id text,
  heartbeat_at bigint,
  finished_at bigint,
  last_error_code integer,
  last_error_message text,
  -- Failed under the `halt` policy and still holding its lanes (until retry or skip).
  halted boolean NOT NULL DEFAULT false
);

-- Claimable candidates (pending lane heads) in enqueue order: the claim walks this index.
CREATE INDEX jobs_ready ON jobs (seq) WHERE status = 'PENDING' AND blockers = 0;
-- Pending lane heads waiting for their `run_at` (nextRunAt).
CREATE INDEX jobs_delayed ON jobs (run_at)
  WHERE status = 'PENDING' AND blockers = 0 AND run_at IS NOT NULL;
-- Running claims by heartbeat (the reaper) and by token (heartbeats, complete).
CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE status = 'RUNNING';
CREATE INDEX jobs_claim_token ON jobs (claim_token) WHERE claim_token IS NOT NULL;
-- Unfinished jobs by status (backlog); finished ones are only counted by `counts`.
CREATE INDEX jobs_unfinished ON jobs (status) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX jobs_halted ON jobs (finished_at, seq) WHERE halted;

-- The lanes of unfinished jobs (and of halted ones): a lane's head is its row with the lowest seq.
CREATE TABLE job_lanes (
  document_id text NOT NULL,
  branch text NOT NULL,
  scope text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (document_id, branch, scope, seq)
);
CREATE INDEX job_lanes_seq ON job_lanes (seq);

-- The advisory lock of a lane (bigint key space; the migration and reaper locks use the two-int
-- key space, which does not overlap). Enqueue and every statement that removes a job from its
-- lanes take the locks of the lanes involved, in key order, before reading lane membership.
CREATE FUNCTION lane_lock_key(document_id text, branch text, scope text) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN hashtextextended(document_id || chr(31) || branch || chr(31) || scope, 0);

-- Operations per lane, contiguous from idx 0.
CREATE TABLE operations (
  document_id text NOT NULL,
  scope text NOT NULL,
  branch text NOT NULL,
  idx integer NOT NULL,
  id text NOT NULL UNIQUE,
  skip integer NOT NULL,
  hash text NOT NULL,
  timestamp_utc_ms text NOT NULL,
  action jsonb NOT NULL,
  PRIMARY KEY (document_id, scope, branch, idx)
);

-- The latest state of a lane at operation idx.
CREATE TABLE lane_snapshots (
  document_id text NOT NULL,
  scope text NOT NULL,
  branch text NOT NULL,
  idx integer NOT NULL,
  state jsonb,
  hash text NOT NULL,
  PRIMARY KEY (document_id, scope, branch)
);
