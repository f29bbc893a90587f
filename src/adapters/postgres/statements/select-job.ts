/**
 * One job by id.
 *
 * $1 text  job id
 * @module
 */
import type { Statement } from './statement.js';

export const selectJob: Statement = {
  name: 'seriatim_select_job',
  text: 'SELECT * FROM jobs WHERE id = $1',
};
