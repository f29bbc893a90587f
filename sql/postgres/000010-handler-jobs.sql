-- seriatim PostgreSQL schema 10: handler jobs (README: Handler jobs). A handler job is a row of
-- `jobs` like any other, its lanes its keys (document_id '', branch 'key', one scope per key; or
-- branch 'job' and its own id for a job without keys), its actions an empty array, so the claim
-- functions serve it unchanged (they return `jobs` rows, which now carry the two columns). Both
-- stay NULL for document jobs.
-- handler: {"type": <handler type>, "input": <input>}.
ALTER TABLE jobs ADD COLUMN handler jsonb;
-- output: the handler's return value, written by `complete` under the claim's token (NULL: none).
ALTER TABLE jobs ADD COLUMN output jsonb;
