/**
 * The SQLite schedule store: recurring schedules and their last claimed tick in `schedules`.
 * @module
 */
import type { Database } from 'better-sqlite3';
import type { IScheduleStore, ScheduleRecord } from '../ports.js';
import {
  validateScheduleId,
  validateScheduleRecord,
  validateTime,
} from '../validate-schedule-record.js';
import { scheduleFromRow } from './schedule-row.js';
import { claimTick } from './statements/claim-tick.js';
import { deleteSchedule } from './statements/delete-schedule.js';
import { listSchedules } from './statements/list-schedules.js';
import { selectLastTick } from './statements/select-last-tick.js';
import { selectSchedule } from './statements/select-schedule.js';
import { prepareAll } from './statements/statement.js';
import { upsertSchedule } from './statements/upsert-schedule.js';

const STATEMENTS = {
  upsertSchedule,
  selectSchedule,
  listSchedules,
  deleteSchedule,
  claimTick,
  selectLastTick,
};

/**
 * An {@link IScheduleStore} in a SQLite database: one `schedules` row per schedule, its job input
 * as JSON text and its latest claimed tick in `last_tick`. Any number of connections and
 * processes may share the file: `claimTick` is one conditional `UPDATE` (see `claim-tick.ts`),
 * so exactly one of them enqueues each tick, and a scheduler started on the file later (a
 * restart) finds the schedules and their last ticks there.
 *
 * Every call is one statement in autocommit mode. Records are checked before they are written
 * (a `JobValidationError` names the field, e.g. `schedule.createdAt`). Created by
 * `createSqliteStorage`, which owns the connection and hands this store to `createReactor` as
 * `scheduleStore`.
 *
 * @example
 * const storage = createSqliteStorage('jobs.db', { bus, clock: systemClock, runnerId: 'r1' });
 * const scheduler = new Scheduler({ queue: storage.queue, store: storage.scheduleStore });
 * await scheduler.scheduleRecurring({ id: 'hourly', cron: '0 * * * *', job });
 */
export class SqliteScheduleStore implements IScheduleStore {
  readonly #sql: ReturnType<typeof prepareAll<typeof STATEMENTS>>;

  /** Use `createSqliteStorage`. */
  constructor(db: Database) {
    this.#sql = prepareAll(db, STATEMENTS);
  }

  /** Inserts or replaces a schedule; a replaced schedule keeps its last claimed tick. */
  async save(schedule: ScheduleRecord): Promise<void> {
    const job = validateScheduleRecord(schedule, 'SQLite');
    this.#sql.upsertSchedule.run({
      id: schedule.id,
      cron: schedule.cron,
      timezone: schedule.timezone,
      job,
      createdAt: schedule.createdAt,
      since: schedule.since,
      updatedAt: schedule.updatedAt,
    });
  }

  /** The schedule, or undefined. */
  async get(scheduleId: string): Promise<ScheduleRecord | undefined> {
    validateScheduleId(scheduleId);
    const row = this.#sql.selectSchedule.get({ id: scheduleId });
    return row === undefined ? undefined : scheduleFromRow(row);
  }

  /** Every schedule, by `createdAt`, then `id`. */
  async list(): Promise<ScheduleRecord[]> {
    return this.#sql.listSchedules.all({}).map(scheduleFromRow);
  }

  /** Removes the schedule and its ticks; true when it existed. */
  async delete(scheduleId: string): Promise<boolean> {
    validateScheduleId(scheduleId);
    return this.#sql.deleteSchedule.run({ id: scheduleId }).changes === 1;
  }

  /** True when this call claimed the tick: the schedule exists, no tick ≥ `tickAt` was claimed. */
  async claimTick(scheduleId: string, tickAt: number): Promise<boolean> {
    validateScheduleId(scheduleId);
    validateTime(tickAt);
    return this.#sql.claimTick.run({ id: scheduleId, tickAt }).changes === 1;
  }

  /** The latest claimed tick, or undefined. */
  async lastTick(scheduleId: string): Promise<number | undefined> {
    validateScheduleId(scheduleId);
    return this.#sql.selectLastTick.get({ id: scheduleId })?.last_tick ?? undefined;
  }
}
