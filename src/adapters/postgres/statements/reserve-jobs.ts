/**
 * Enqueue, step 2 (after `lockLanes` on the batch's lanes): allocates the batch's `seq`s and says
 * which of its lanes already hold an unfinished job. Since the lanes are locked, every job
 * already in them has a smaller `seq` and every later one a greater.
 *
 * $1 integer  how many `seq`s to allocate (the batch size)
 * $2 text[]   document ids } the batch's distinct lanes, element by element
 * $3 text[]   branches     }
 * $4 text[]   scopes       }
 * Returns `seqs` (bigint[], ascending once sorted) and `occupied` (1-based positions in $2..$4).
 * @module
 */
import type { Statement } from './statement.js';

export const reserveJobs: Statement = {
  name: 'seriatim_reserve_jobs',
  text: `
SELECT
  ARRAY(SELECT nextval('jobs_seq_seq') FROM generate_series(1, $1::int)) AS seqs,
  ARRAY(
    SELECT l.ord::int
    FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS l(document_id, branch, scope, ord)
    WHERE EXISTS (
      SELECT 1 FROM job_lanes q
      WHERE q.document_id = l.document_id AND q.branch = l.branch AND q.scope = l.scope
    )
  ) AS occupied`,
};
