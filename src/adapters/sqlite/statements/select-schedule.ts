import type { ScheduleRow } from '../schedule-row.js';
import { defineStatement } from './statement.js';

/**
 * The schedule with id `@id`.
 * - `@id`: the schedule id.
 */
export const selectSchedule = defineStatement<{ id: string }, ScheduleRow>(`
SELECT * FROM schedules WHERE id = @id
`);
