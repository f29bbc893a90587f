/**
 * Ends a batch of claims (the runtime's `complete`, `fail` and `release` calls of one tick) in one
 * round trip: the SQL function `finish_claims` (schema 4) locks the lanes of the jobs that leave
 * them (completed, or failed without `halt`), ends each claim whose token still holds its RUNNING
 * job, removes the leaving jobs from their lanes (unblocking the next heads), notifies listeners
 * when a job became ready or was released, and confirms as a no-op success a claim that ended
 * already the same way with that token (schema 6: an earlier call, or a completion inside
 * `store.append`). A claim whose token no longer holds (reaped, ended another way, claimed again,
 * never valid) matches nothing and is reported stale by its absence.
 *
 * One element per claim:
 * $1 text[]     job id
 * $2 uuid[]     claim token
 * $3 text[]     kind: 'complete' | 'fail' | 'release'
 * $4 integer[]  attempts to store
 * $5 integer[]  error code (fail; else null)
 * $6 text[]     error message (fail; else null)
 * $7 boolean[]  halt (fail: keep the lanes blocked; else false)
 * $8 boolean[]  outcome unknown (release: flag the job, schema 12; a release without it keeps
 *               the job's flag, `complete` and `fail` clear it)
 * And:
 * $9 bigint     now, ms (finished_at)
 * $10 text      NOTIFY channel
 * $11 text      NOTIFY payload
 * Returns the `id` of every claim that held (or was confirmed).
 * @module
 */
import type { Statement } from './statement.js';

export const finishClaims: Statement = {
  name: 'seriatim_finish_claims',
  text: `
SELECT id FROM finish_claims($1::text[], $2::uuid[], $3::text[], $4::integer[], $5::integer[],
                             $6::text[], $7::boolean[], $8::boolean[], $9::bigint, $10::text,
                             $11::text)`,
};
