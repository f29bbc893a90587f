/**
 * Appends a batch of `store.append` requests in one round trip: the SQL function
 * `append_operations` (schema 9) locks every lane of the batch (and of its claims' jobs), then
 * judges each request on its own, in the order a single append checks it (its claim, replay,
 * expected heads, operation ids stored in their lane), writes the operations and snapshots of
 * those that pass, and completes their claims (the jobs leave their lanes). No two requests of a
 * batch may share a lane (the caller splits them); operation ids are unique per lane.
 *
 * One element per request:
 * $1  text[]     document_id
 * $2  text[]     branch
 * $3  boolean[]  write it (false: the caller found it malformed and wants its verdict only)
 * One element per lane:
 * $4  integer[]  request (1-based position in $1)
 * $5  text[]     scope
 * $6  integer[]  expected head
 * $7  integer[]  snapshot idx (null: no snapshot to store)
 * $8  text[]     snapshot state, JSON (null: undefined)
 * $9  text[]     snapshot hash
 * One element per operation:
 * $10 integer[]  request
 * $11 text[]     scope
 * $12 integer[]  idx
 * $13 text[]     id
 * $14 integer[]  skip
 * $15 text[]     hash
 * $16 text[]     timestamp_utc_ms
 * $17 text[]     action, JSON
 * $18 text[]     error: the recorded reducer rejection, null for an applied operation
 * One element per request (nulls: no claim):
 * $19 text[]     the claim's job id
 * $20 uuid[]     the claim's token
 * $21 integer[]  attempts to store on the completed job (null: the claim's count)
 * $22 bigint     now, ms (finished_at)
 * $23 text       NOTIFY channel, for jobs made ready
 * $24 text       NOTIFY payload (this process's origin)
 * Returns one row per request, in order: `request`, `verdict` ('stale' | 'written' | 'replayed' |
 * 'conflict' | 'malformed' | 'unwritten') and `detail` (replayed: the stored operations as
 * `Operation` objects, in the order of the request's; conflict: the lanes' heads in lane order;
 * malformed: the stored ids).
 * @module
 */
import type { Statement } from './statement.js';

export const appendOperations: Statement = {
  name: 'seriatim_append_operations',
  text: `
SELECT request, verdict, detail
FROM append_operations($1::text[], $2::text[], $3::boolean[], $4::integer[], $5::text[],
                       $6::integer[], $7::integer[], $8::text[], $9::text[], $10::integer[],
                       $11::text[], $12::integer[], $13::text[], $14::integer[], $15::text[],
                       $16::text[], $17::text[], $18::text[], $19::text[], $20::uuid[],
                       $21::integer[], $22::bigint, $23::text, $24::text)`,
};
