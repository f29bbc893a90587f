-- seriatim SQLite schema 1: the job queue (jobs, job_lanes) and the operation store
-- (operations, lane_snapshots). Times are integers, ms since epoch; JSON columns hold text.

-- Every job, in the total enqueue order `seq`. Finished jobs stay (for `get` and `counts`).
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  document_id TEXT NOT NULL,
  branch TEXT NOT NULL,
  scopes TEXT NOT NULL, -- JSON array of scope names
  actions TEXT NOT NULL, -- JSON array of actions
  resulting_hash TEXT,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_retries INTEGER,
  run_at INTEGER,
  meta TEXT, -- JSON object
  -- How many of the job's lanes hold an earlier unfinished job: 0 means the job heads every one
  -- of its lanes. Kept up to date by enqueue (count) and by a job leaving its lanes (decrement).
  blockers INTEGER NOT NULL DEFAULT 0,
  claim_token TEXT,
  runner_id TEXT,
  heartbeat_at INTEGER,
  finished_at INTEGER,
  last_error_code INTEGER,
  last_error_message TEXT,
  -- Failed under the `halt` policy and still holding its lanes (until retry or skip).
  halted INTEGER NOT NULL DEFAULT 0 CHECK (halted IN (0, 1))
);

-- Claimable candidates (pending lane heads) in enqueue order: the claim walks this index.
CREATE INDEX jobs_ready ON jobs (seq) WHERE status = 'PENDING' AND blockers = 0;
-- Pending lane heads waiting for their `run_at` (nextRunAt).
CREATE INDEX jobs_delayed ON jobs (run_at)
  WHERE status = 'PENDING' AND blockers = 0 AND run_at IS NOT NULL;
-- Running claims by heartbeat (the reaper).
CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE status = 'RUNNING';
CREATE INDEX jobs_status ON jobs (status);
CREATE INDEX jobs_halted ON jobs (finished_at, seq) WHERE halted = 1;

-- The lanes of unfinished jobs (and of halted ones): a lane's head is its row with the lowest seq.
-- lane_key is the JSON array [documentId, scope, branch].
CREATE TABLE job_lanes (
  lane_key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  job_id TEXT NOT NULL,
  PRIMARY KEY (lane_key, seq)
) WITHOUT ROWID;

-- Operations per lane, contiguous from idx 0.
CREATE TABLE operations (
  document_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  branch TEXT NOT NULL,
  idx INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  skip INTEGER NOT NULL,
  hash TEXT NOT NULL,
  timestamp_utc_ms TEXT NOT NULL,
  action TEXT NOT NULL, -- JSON action
  PRIMARY KEY (document_id, scope, branch, idx)
) WITHOUT ROWID;

-- The latest state of a lane at operation idx.
CREATE TABLE lane_snapshots (
  document_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  branch TEXT NOT NULL,
  idx INTEGER NOT NULL,
  state TEXT NOT NULL, -- JSON
  hash TEXT NOT NULL,
  PRIMARY KEY (document_id, scope, branch)
) WITHOUT ROWID;
