/**
 * Boundary checks of the durable schedule stores: what `save`, `claimTick` and the lookups accept,
 * rejected with a `JobValidationError` naming the field before anything reaches SQL.
 * @module
 */
import { JobValidationError } from '../errors.js';
import type { ScheduleRecord } from './ports.js';

const TIMES = ['createdAt', 'since', 'updatedAt'] as const;

/**
 * Checks a record before it is stored: `id`, `cron` and `timezone` non-empty strings; `createdAt`,
 * `since`, `updatedAt` integers (ms since epoch, stored as SQL integers); `job` absent or a plain
 * object that JSON can carry.
 * @returns the job as JSON text, or null when the record has none.
 * @throws JobValidationError naming the field (`schedule.cron`, `schedule.job`, …).
 */
export function validateScheduleRecord(record: ScheduleRecord, adapter: string): string | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new JobValidationError('schedule', `expected a schedule record, got ${describe(record)}`);
  }
  validateScheduleId(record.id, 'schedule.id');
  for (const field of ['cron', 'timezone'] as const) {
    const value = record[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw new JobValidationError(
        `schedule.${field}`,
        `expected a non-empty string, got ${describe(value)}`,
      );
    }
  }
  for (const field of TIMES) validateTime(record[field], `schedule.${field}`);
  const job: unknown = record.job;
  if (job === undefined) return null;
  if (typeof job !== 'object' || job === null || Array.isArray(job)) {
    throw new JobValidationError('schedule.job', `expected a job input, got ${describe(job)}`);
  }
  try {
    return JSON.stringify(job);
  } catch (error) {
    throw new JobValidationError(
      'schedule.job',
      `expected JSON-serialisable data for the ${adapter} schedule store: ${(error as Error).message}`,
    );
  }
}

/** Checks a schedule id. @throws JobValidationError naming `field`. */
export function validateScheduleId(id: unknown, field = 'scheduleId'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new JobValidationError(field, `expected a non-empty string, got ${describe(id)}`);
  }
}

/** Checks a time (ms since epoch): a safe integer. @throws JobValidationError naming `field`. */
export function validateTime(value: unknown, field = 'tickAt'): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new JobValidationError(
      field,
      `expected an integer number of ms since the epoch, got ${describe(value)}`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
