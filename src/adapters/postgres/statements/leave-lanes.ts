/**
 * Removes finished (or cancelled, or skipped) jobs from their lanes and unblocks the jobs that
 * become lane heads: for each lane a leaving job headed, the next job in that lane loses one
 * blocker; a job whose blockers reach 0 heads all its lanes and is ready. Notifies listeners when
 * one is. Run after `lockLanes` on the leaving jobs' lanes, in the same transaction. The query is
 * the SQL function `leave_lanes` (schema 4), which the batched end of claims calls too.
 *
 * The jobs of one call never share a lane (running and halted jobs head their lanes; a
 * cancelled job leaves alone), so reading the lanes as they were before the DELETE is exact.
 *
 * $1 bigint[]  seq of each leaving job
 * $2 text      NOTIFY channel
 * $3 text      NOTIFY payload
 * Returns `lanes_left` (lane rows removed) and `made_ready` (jobs that became lane heads
 * everywhere).
 * @module
 */
import type { Statement } from './statement.js';

export const leaveLanes: Statement = {
  name: 'seriatim_leave_lanes',
  text: 'SELECT * FROM leave_lanes($1::bigint[], $2::text, $3::text)',
};
