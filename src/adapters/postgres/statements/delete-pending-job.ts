/**
 * Cancel, step 2 (after `lockLanes` on the job's lanes): deletes the job if it is still PENDING;
 * it must then leave its lanes (`leaveLanes`).
 *
 * $1 text  job id
 * Returns the job's seq, or no row when the job is not pending.
 * @module
 */
import type { Statement } from './statement.js';

export const deletePendingJob: Statement = {
  name: 'seriatim_delete_pending_job',
  text: "DELETE FROM jobs WHERE id = $1 AND status = 'PENDING' RETURNING seq",
};
