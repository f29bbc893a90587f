/**
 * Claims the head job of each given lane when it is claimable now (lane batching: the runtime
 * asks for a lane's next job right after a job of the lane finished, to run it on the slot just
 * freed; the requests of one tick share this statement): PENDING, heading every one of its lanes
 * (`blockers = 0`) and due. Same effects as `claimJobs`. A job heading several of the lanes is
 * claimed once.
 *
 * $1 text      runner_id
 * $2 text[]    document_id }
 * $3 text[]    branch      } the lanes, element by element
 * $4 text[]    scope       }
 * $5 text[]    request     } each lane's claim call: the token is `md5(request || '.' || seq)::uuid`
 * $6 bigint    now, ms (the storage clock): due means `run_at <= $6`; also the first heartbeat
 * Returns the claimed jobs; a lane without a row is empty, or its head is running, blocked in
 * another lane, not due, halted, or locked by a concurrent claim.
 *
 * The query is the function `claim_lanes` (schema 4; named requests since schema 7). Per lane:
 * its head's seq from the `job_lanes` key, then that job by primary key (a LATERAL subquery, so a nested loop over the
 * lanes), planned without sequential scans (statistics taken on an idle, bloated job_lanes, 3 rows
 * in 491 pages, made a scan of it per lane look cheaper than its key). `(status = 'PENDING') IS
 * TRUE` is `status = 'PENDING'` in a form that the partial index `jobs_unfinished (status)`
 * cannot answer: with statistics taken while few jobs were pending, the planner preferred walking
 * that index over every pending job for each lane (measured: 48 ms per call at 10,000 pending
 * jobs, against 4 ms for a whole batch of 100 lanes by primary key).
 * @module
 */
import type { Statement } from './statement.js';

export const claimLane: Statement = {
  name: 'seriatim_claim_lanes',
  text: 'SELECT * FROM claim_lanes($1::text, $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint)',
};
