/**
 * Deletes a schedule and, with its row, its last claimed tick.
 *
 * $1 text  schedule id
 * Returns the id when the schedule existed, else no row.
 * @module
 */
import type { Statement } from './statement.js';

export const deleteSchedule: Statement = {
  name: 'seriatim_delete_schedule',
  text: 'DELETE FROM schedules WHERE id = $1 RETURNING id',
};
