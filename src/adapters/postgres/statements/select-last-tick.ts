/**
 * The latest claimed tick of a schedule (no row: no such schedule; null: no tick claimed).
 *
 * $1 text  schedule id
 * @module
 */
import type { Statement } from './statement.js';

export const selectLastTick: Statement = {
  name: 'seriatim_select_last_tick',
  text: 'SELECT last_tick FROM schedules WHERE id = $1',
};
