/**
 * Claims up to $2 jobs for runner $1: the oldest pending, due jobs that head every one of their
 * lanes (`blockers = 0`). Each becomes RUNNING with a fresh claim token, one more attempt and a
 * first heartbeat.
 *
 * $1 text     runner_id
 * $2 integer  limit (free slots)
 * $3 bigint   now, ms (the storage clock): due means `run_at <= $3`; also the first heartbeat
 * $4 text     the call's request id: each job's token is `md5($4 || '.' || seq)::uuid`, so
 *             `reclaimJobs` finds the claims of a call whose answer was lost (schema 7)
 *
 * Why this is "one head per lane, then the limit": a job with `blockers = 0` is the oldest
 * unfinished job of each of its lanes, so no two such jobs share a lane, and a lane whose head is
 * RUNNING (or halted) offers no candidate at all. The ready set is kept by enqueue and by jobs
 * leaving their lanes (`leaveLanes`), under lane locks, so the claim itself reads one partial
 * index (`jobs_ready`) in `seq` order and stops after $2 rows: O(limit), whatever the backlog.
 * FOR UPDATE SKIP LOCKED lets concurrent claimers pass each other; a row changed since the
 * snapshot is re-checked against the WHERE clause before it is taken.
 *
 * Alternatives measured with `bench/postgres-claim.ts` (PostgreSQL 15, fsync off, this 2-core
 * machine shared with other work, so absolute figures are loose): median latency of claiming 10
 * from 100,000 pending jobs over 1,000 lanes, lanes interleaved / one busy lane's 99,001 jobs first:
 * - this statement, the `jobs_ready` partial index kept by `blockers`:  0.8 ms / 1.1 ms
 * - DISTINCT ON (lane) heads over job_lanes, NOT EXISTS an earlier row:  33 ms / 27 ms (reads
 *   every lane row: grows with the backlog)
 * - pending jobs in seq order, NOT EXISTS an earlier lane row:  1.5 ms / 1,540 ms (walks every
 *   job queued behind a busy lane before it finds the other lanes' heads)
 * The price of the counter is paid at enqueue (one lookup per lane) and when a head leaves its
 * lanes (one index probe per lane for the successor); both run under the lanes' locks.
 *
 * The query is the function `claim_jobs` (schema 4; named requests since schema 7), planned
 * with sorting off: with statistics taken while the queue was idle (jobs_ready at 0 rows), the
 * planner sorted every pending job found through jobs_unfinished instead of reading jobs_ready in
 * order.
 * @module
 */
import type { Statement } from './statement.js';

export const claimJobs: Statement = {
  name: 'seriatim_claim_jobs',
  text: 'SELECT * FROM claim_jobs($1::text, $2::integer, $3::bigint, $4::text)',
};
