import { defineStatement } from './statement.js';

/**
 * Inserts a schedule, or replaces every field of the one with the same id except `last_tick`
 * (a replaced schedule keeps its claimed ticks).
 * - `@id`, `@cron`, `@timezone`: the schedule.
 * - `@job`: the job input as JSON, or NULL for a function job.
 * - `@createdAt`, `@since`, `@updatedAt`: times (ms).
 */
export const upsertSchedule = defineStatement<{
  id: string;
  cron: string;
  timezone: string;
  job: string | null;
  createdAt: number;
  since: number;
  updatedAt: number;
}>(`
INSERT INTO schedules (id, cron, timezone, job, created_at, since, updated_at)
VALUES (@id, @cron, @timezone, @job, @createdAt, @since, @updatedAt)
ON CONFLICT (id) DO UPDATE
SET cron = excluded.cron,
    timezone = excluded.timezone,
    job = excluded.job,
    created_at = excluded.created_at,
    since = excluded.since,
    updated_at = excluded.updated_at
`);
