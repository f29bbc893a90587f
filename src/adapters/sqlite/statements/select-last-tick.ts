import { defineStatement } from './statement.js';

/**
 * The latest claimed tick of a schedule (no row: no such schedule; NULL: no tick claimed).
 * - `@id`: the schedule id.
 */
export const selectLastTick = defineStatement<{ id: string }, { last_tick: number | null }>(`
SELECT last_tick FROM schedules WHERE id = @id
`);
