import { defineStatement } from './statement.js';

/**
 * Deletes a schedule and, with its row, its last claimed tick; one change when it existed.
 * - `@id`: the schedule id.
 */
export const deleteSchedule = defineStatement<{ id: string }>(`
DELETE FROM schedules WHERE id = @id
`);
