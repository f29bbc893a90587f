import { defineStatement } from './statement.js';

/**
 * Puts a job held by claim `@token` back to `PENDING` in its place, not due before `@wakeAt` (a
 * stateful handler's `ctx.wait`, README: Handler jobs). It keeps its `job_lanes` rows and its
 * `blockers` count (0: it heads its lanes), so every later job of its lanes stays blocked while it
 * sleeps; `jobs_delayed` holds it for `nextRunAt`. Returns its document (no row: the claim is
 * stale or ended). The token stays, so a repeated `sleep` or `release` is a no-op success
 * (`endedClaim` with `PENDING`).
 * - `@id`, `@token`: the claim.
 * - `@attempts`: attempts to store (0: the wake-up starts its retries afresh).
 * - `@wakeAt`: the new `run_at`, ms since epoch.
 */
export const sleepJob = defineStatement<
  { id: string; token: string; attempts: number; wakeAt: number },
  { document_id: string }
>(`
UPDATE jobs
SET status = 'PENDING',
    attempts = @attempts,
    run_at = @wakeAt,
    runner_id = NULL,
    heartbeat_at = NULL
WHERE id = @id AND claim_token = @token AND status = 'RUNNING'
RETURNING document_id
`);
