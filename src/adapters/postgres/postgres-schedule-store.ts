/**
 * The PostgreSQL schedule store: recurring schedules and their last claimed tick in `schedules`.
 * @module
 */
import type { Pool } from 'pg';
import type { IScheduleStore, ScheduleRecord } from '../ports.js';
import {
  validateScheduleId,
  validateScheduleRecord,
  validateTime,
} from '../validate-schedule-record.js';
import { type ScheduleRow, scheduleFromRow } from './schedule-row.js';
import { claimTick } from './statements/claim-tick.js';
import { deleteSchedule } from './statements/delete-schedule.js';
import { listSchedules } from './statements/list-schedules.js';
import { selectLastTick } from './statements/select-last-tick.js';
import { selectSchedule } from './statements/select-schedule.js';
import { run } from './statements/statement.js';
import { upsertSchedule } from './statements/upsert-schedule.js';

/** What {@link PostgresScheduleStore} needs; {@link createPostgresStorage} provides it. */
export type PostgresScheduleStoreOptions = {
  /** Connections whose search_path is the storage's schema. */
  pool: Pool;
  /** Resolves once the schema is migrated; awaited before the first statement. */
  ready: () => Promise<void>;
};

/**
 * An {@link IScheduleStore} in PostgreSQL: one `schedules` row per schedule, its job input as
 * `jsonb` and its latest claimed tick in `last_tick`. Every process on the database shares it:
 * `claimTick` is one conditional `UPDATE` (see `claim-tick.ts`), so across any number of
 * processes exactly one enqueues each tick, and a process started later (a restart, a new
 * machine) finds the schedules and their last ticks there.
 *
 * Every call is one statement on the storage's pool. Records are checked before they are written
 * (a `JobValidationError` names the field, e.g. `schedule.createdAt`). As with jobs, `jsonb` does
 * not keep the key order of the job input. Created by {@link createPostgresStorage}, which owns the
 * pool and hands this store to `createReactor` as `scheduleStore`.
 *
 * @example
 * const storage = createPostgresStorage(url, { bus, clock: systemClock, runnerId: 'r1' });
 * const scheduler = new Scheduler({ queue: storage.queue, store: storage.scheduleStore });
 * await scheduler.scheduleRecurring({ id: 'hourly', cron: '0 * * * *', job });
 */
export class PostgresScheduleStore implements IScheduleStore {
  readonly #pool: Pool;
  readonly #ready: () => Promise<void>;

  constructor(options: PostgresScheduleStoreOptions) {
    this.#pool = options.pool;
    this.#ready = options.ready;
  }

  /** Inserts or replaces a schedule; a replaced schedule keeps its last claimed tick. */
  async save(schedule: ScheduleRecord): Promise<void> {
    const job = validateScheduleRecord(schedule, 'PostgreSQL');
    await this.#ready();
    await run(this.#pool, upsertSchedule, [
      schedule.id,
      schedule.cron,
      schedule.timezone,
      job,
      schedule.createdAt,
      schedule.since,
      schedule.updatedAt,
    ]);
  }

  /** The schedule, or undefined. */
  async get(scheduleId: string): Promise<ScheduleRecord | undefined> {
    validateScheduleId(scheduleId);
    await this.#ready();
    const [row] = await run<ScheduleRow>(this.#pool, selectSchedule, [scheduleId]);
    return row === undefined ? undefined : scheduleFromRow(row);
  }

  /** Every schedule, by `createdAt`, then `id`. */
  async list(): Promise<ScheduleRecord[]> {
    await this.#ready();
    const rows = await run<ScheduleRow>(this.#pool, listSchedules, []);
    return rows.map(scheduleFromRow);
  }

  /** Removes the schedule and its ticks; true when it existed. */
  async delete(scheduleId: string): Promise<boolean> {
    validateScheduleId(scheduleId);
    await this.#ready();
    const rows = await run(this.#pool, deleteSchedule, [scheduleId]);
    return rows.length === 1;
  }

  /** True when this call claimed the tick: the schedule exists, no tick ≥ `tickAt` was claimed. */
  async claimTick(scheduleId: string, tickAt: number): Promise<boolean> {
    validateScheduleId(scheduleId);
    validateTime(tickAt);
    await this.#ready();
    const rows = await run(this.#pool, claimTick, [scheduleId, tickAt]);
    return rows.length === 1;
  }

  /** The latest claimed tick, or undefined. */
  async lastTick(scheduleId: string): Promise<number | undefined> {
    validateScheduleId(scheduleId);
    await this.#ready();
    const [row] = await run<{ last_tick: string | null }>(this.#pool, selectLastTick, [scheduleId]);
    return row?.last_tick == null ? undefined : Number(row.last_tick);
  }
}
