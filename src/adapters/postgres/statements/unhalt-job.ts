/**
 * Skip, step 2 (after `lockLanes` on the job's lanes): a halted job stops blocking; it stays
 * FAILED and must then leave its lanes (`leaveLanes`).
 *
 * $1 text  job id
 * Returns the job's seq, or no row when the job is not halted.
 * @module
 */
import type { Statement } from './statement.js';

export const unhaltJob: Statement = {
  name: 'seriatim_unhalt_job',
  text: 'UPDATE jobs SET halted = false WHERE id = $1 AND halted RETURNING seq',
};
