/**
 * Inserts a schedule, or replaces every field of the one with the same id except `last_tick`
 * (a replaced schedule keeps its claimed ticks).
 *
 * $1 text    id
 * $2 text    cron
 * $3 text    timezone
 * $4 text    job input, JSON (null: a function job)
 * $5 bigint  created_at (ms)
 * $6 bigint  since (ms)
 * $7 bigint  updated_at (ms)
 * @module
 */
import type { Statement } from './statement.js';

export const upsertSchedule: Statement = {
  name: 'seriatim_upsert_schedule',
  text: `
INSERT INTO schedules (id, cron, timezone, job, created_at, since, updated_at)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
ON CONFLICT (id) DO UPDATE
SET cron = excluded.cron,
    timezone = excluded.timezone,
    job = excluded.job,
    created_at = excluded.created_at,
    since = excluded.since,
    updated_at = excluded.updated_at`,
};
