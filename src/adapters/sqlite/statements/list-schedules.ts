import type { ScheduleRow } from '../schedule-row.js';
import { defineStatement } from './statement.js';

/** Every schedule, by `created_at`, then `id` (no parameters). */
export const listSchedules = defineStatement<Record<string, never>, ScheduleRow>(`
SELECT * FROM schedules ORDER BY created_at, id
`);
