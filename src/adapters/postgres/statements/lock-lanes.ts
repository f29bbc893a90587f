/**
 * Takes the advisory locks (until commit) of the given lanes and of the lanes of the given claims'
 * jobs, in key order, so two transactions never wait for each other in a cycle. Every statement
 * that reads lane membership to decide a job's `blockers` (enqueue) or changes it (a job leaving
 * its lanes) runs after this one, in the same transaction, so it sees all earlier changes to
 * those lanes: enqueue and leave never miss each other.
 *
 * Before any lane it takes the schema's lane barrier in shared mode: `lockAllLanes` takes it
 * exclusively instead of one lock per lane, for batches too large for PostgreSQL's lock table.
 * The query is the SQL function `lock_lanes` (schema 4), which the batched writes call too.
 *
 * $1 text[]  document ids } lanes to lock, element by element (may be empty)
 * $2 text[]  branches     }
 * $3 text[]  scopes       }
 * $4 text[]  job ids      } claims: the lanes of each job whose claim token still holds (RUNNING)
 * $5 uuid[]  claim tokens }
 * @module
 */
import type { Statement } from './statement.js';

export const lockLanes: Statement = {
  name: 'seriatim_lock_lanes',
  text: 'SELECT lock_lanes($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[]) AS locked',
};
