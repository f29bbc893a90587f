/**
 * Every schedule, by created_at, then id (byte order: the column's "C" collation). No parameters.
 * @module
 */
import type { Statement } from './statement.js';

export const listSchedules: Statement = {
  name: 'seriatim_list_schedules',
  text: 'SELECT * FROM schedules ORDER BY created_at, id',
};
