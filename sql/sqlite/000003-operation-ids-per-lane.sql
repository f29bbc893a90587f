-- seriatim SQLite schema 3: operation ids are unique per lane, not across the database.
-- The id formula (sha1 of "doc:scope:branch:actionId", kept for interoperation) can give one id
-- to actions of two lanes (document `A` + action `global:main:z`, document `A:global:main` +
-- action `z`): a global UNIQUE made the second lane's job fail. SQLite cannot drop a column
-- constraint, so the table is rebuilt with the same columns and rows.

CREATE TABLE operations_per_lane (
  document_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  branch TEXT NOT NULL,
  idx INTEGER NOT NULL,
  id TEXT NOT NULL,
  skip INTEGER NOT NULL,
  hash TEXT NOT NULL,
  timestamp_utc_ms TEXT NOT NULL,
  action TEXT NOT NULL, -- JSON action
  PRIMARY KEY (document_id, scope, branch, idx),
  -- Idempotent replay looks operations up by (lane, id).
  UNIQUE (document_id, scope, branch, id)
) WITHOUT ROWID;

INSERT INTO operations_per_lane
  (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action)
SELECT document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action FROM operations;

DROP TABLE operations;
ALTER TABLE operations_per_lane RENAME TO operations;
