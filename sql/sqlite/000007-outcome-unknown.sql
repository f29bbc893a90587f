-- seriatim SQLite schema 7: a job whose write's outcome is unknown keeps saying so across claims
-- (README: Semantics, "Retries"). outcome_unknown: 1 when an attempt's append failed with its
-- outcome unknown (it may have committed) and the job was released before an attempt learned
-- the outcome; set by `release` with `outcomeUnknown`, kept by later releases and reaps, handed to
-- the next claim (`job.outcomeUnknown`, so it is retried past `maxRetries` until the outcome is
-- known), and cleared when the job completes or fails.
ALTER TABLE jobs ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;
