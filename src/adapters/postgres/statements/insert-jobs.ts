/**
 * Enqueue, step 3: inserts the batch's jobs and their lane rows, and notifies listeners.
 *
 * One element per job:
 * $1  bigint[]   seq (from `reserveJobs`, in batch order)
 * $2  text[]     id
 * $3  text[]     document_id
 * $4  text[]     branch
 * $5  text[]     scopes, each a JSON array of strings
 * $6  text[]     actions, each a JSON array
 * $7  text[]     resulting_hash (null: none)
 * $8  integer[]  max_retries (null: none)
 * $9  bigint[]   run_at (null: none)
 * $10 text[]     meta, JSON (null: none)
 * $11 integer[]  blockers: lanes in which an earlier unfinished job waits
 * One element per (job, lane):
 * $12 text[]     document_id
 * $13 text[]     branch
 * $14 text[]     scope
 * $15 bigint[]   seq
 * And:
 * $16 bigint     created_at (ms, the storage clock)
 * $17 text       NOTIFY channel
 * $18 text       NOTIFY payload (the storage instance, so it can ignore its own notifications)
 * One element per job:
 * $19 text[]     handler, JSON `{ type, input }` (null: a document job)
 * @module
 */
import type { Statement } from './statement.js';

export const insertJobs: Statement = {
  name: 'seriatim_insert_jobs',
  text: `
WITH inserted AS (
  INSERT INTO jobs (seq, id, document_id, branch, scopes, actions, resulting_hash, max_retries,
                    run_at, meta, blockers, created_at, handler)
  SELECT j.seq, j.id, j.document_id, j.branch,
         ARRAY(SELECT s.scope FROM jsonb_array_elements_text(j.scopes::jsonb) WITH ORDINALITY
               AS s(scope, ord) ORDER BY s.ord),
         j.actions::jsonb, j.resulting_hash, j.max_retries, j.run_at, j.meta::jsonb, j.blockers, $16,
         j.handler::jsonb
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::text[], $8::integer[], $9::bigint[], $10::text[], $11::integer[], $19::text[])
       AS j(seq, id, document_id, branch, scopes, actions, resulting_hash, max_retries, run_at,
            meta, blockers, handler)
  RETURNING 1
), lanes AS (
  INSERT INTO job_lanes (document_id, branch, scope, seq)
  SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::bigint[])
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted,
       (SELECT count(*) FROM (SELECT pg_notify($17, $18)) AS n)::int AS notified`,
};
