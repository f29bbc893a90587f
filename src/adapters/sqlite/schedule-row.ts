/**
 * Rows of the `schedules` table and their conversion to schedule records.
 * @module
 */
import type { JobInput } from '../../types.js';
import type { ScheduleRecord } from '../ports.js';

/** A row of `schedules`, as better-sqlite3 returns it. */
export type ScheduleRow = {
  id: string;
  cron: string;
  timezone: string;
  job: string | null;
  created_at: number;
  since: number;
  updated_at: number;
  last_tick: number | null;
};

/** The record of a row; `job` only when the schedule stores one. */
export function scheduleFromRow(row: ScheduleRow): ScheduleRecord {
  const record: ScheduleRecord = {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    createdAt: row.created_at,
    since: row.since,
    updatedAt: row.updated_at,
  };
  if (row.job !== null) record.job = JSON.parse(row.job) as JobInput;
  return record;
}
