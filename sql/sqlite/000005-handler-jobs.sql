-- seriatim SQLite schema 5: handler jobs (README: Handler jobs). A handler job is a row of `jobs`
-- like any other, its lanes its keys (document_id '', branch 'key', one scope per key; or branch
-- 'job' and its own id for a job without keys), its actions an empty array. The two columns hold
-- what only handler jobs have; both stay NULL for document jobs.
-- handler: JSON {"type": <handler type>, "input": <input>}.
ALTER TABLE jobs ADD COLUMN handler TEXT;
-- output: the handler's return value as JSON, written when the job completes (NULL: none).
ALTER TABLE jobs ADD COLUMN output TEXT;
