/**
 * The first half of `sleep` (a stateful handler's `ctx.wait`, README: Handler jobs; SQLite's
 * `sleep-job.ts` does it all in one statement): sets the job's `run_at` to its wake-up time under
 * its claim, right before `finish_claims` releases the claim. Two statements, not one transaction: a crash in between leaves a RUNNING job with its
 * new `run_at`, which the reaper returns to pending, where it sleeps until then all the same.
 * Fenced by the token and `RUNNING`, so a stale claim, or a `sleep` repeated after it took effect,
 * changes nothing; the release then decides as for any claim.
 *
 * $1 text    job id
 * $2 uuid    claim token
 * $3 bigint  wake-up time, ms since epoch
 * @module
 */
import type { Statement } from './statement.js';

export const sleepJob: Statement = {
  name: 'seriatim_sleep_job',
  text: `UPDATE jobs SET run_at = $3::bigint
WHERE id = $1 AND claim_token = $2::uuid AND status = 'RUNNING'`,
};
