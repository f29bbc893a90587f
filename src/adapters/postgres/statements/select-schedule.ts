/**
 * One schedule by id.
 *
 * $1 text  schedule id
 * @module
 */
import type { Statement } from './statement.js';

export const selectSchedule: Statement = {
  name: 'seriatim_select_schedule',
  text: 'SELECT * FROM schedules WHERE id = $1',
};
