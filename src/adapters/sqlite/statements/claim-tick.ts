import { defineStatement } from './statement.js';

/**
 * Claims tick `@tickAt` of a schedule: one conditional UPDATE, claimed when it changed one row.
 * No row changes when the schedule does not exist or when this tick or a later one is claimed
 * already. A single write statement takes the database's write lock before it reads (waiting up
 * to the busy timeout), so connections and processes sharing the file take turns and exactly
 * one of them wins each tick.
 * - `@id`: the schedule id.
 * - `@tickAt`: the tick (ms).
 */
export const claimTick = defineStatement<{ id: string; tickAt: number }>(`
UPDATE schedules SET last_tick = @tickAt
WHERE id = @id AND (last_tick IS NULL OR last_tick < @tickAt)
`);
