/**
 * Rows of the `schedules` table and their conversion to schedule records.
 * @module
 */
import type { JobInput } from '../../types.js';
import type { ScheduleRecord } from '../ports.js';

/** A row of `schedules` (bigint columns arrive as strings, jsonb parsed). */
export type ScheduleRow = {
  id: string;
  cron: string;
  timezone: string;
  job: JobInput | null;
  created_at: string;
  since: string;
  updated_at: string;
  last_tick: string | null;
};

/** The record of a row; `job` only when the schedule stores one. */
export function scheduleFromRow(row: ScheduleRow): ScheduleRecord {
  const record: ScheduleRecord = {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    createdAt: Number(row.created_at),
    since: Number(row.since),
    updatedAt: Number(row.updated_at),
  };
  if (row.job !== null) record.job = row.job;
  return record;
}
