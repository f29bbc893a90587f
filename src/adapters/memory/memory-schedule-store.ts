/**
 * The in-memory schedule store: recurring schedules and their last claimed tick in a `Map`.
 * @module
 */
import type { IScheduleStore, ScheduleRecord } from '../ports.js';

type Entry = { record: ScheduleRecord; lastTick: number | undefined };

/**
 * An {@link IScheduleStore} in memory: the default of `createReactor` and of `Scheduler`. Several
 * schedulers in one process may share one instance, and then tick each schedule exactly once, as
 * processes sharing a durable store do. Records are deep-copied in and out, as a durable store
 * would serialise them.
 *
 * @example
 * const store = new MemoryScheduleStore();
 * const a = new Scheduler({ queue, store });
 * const b = new Scheduler({ queue, store }); // takes over a's schedules when started
 */
export class MemoryScheduleStore implements IScheduleStore {
  readonly #entries = new Map<string, Entry>();

  /** Inserts or replaces a schedule; a replaced schedule keeps its last claimed tick. */
  async save(schedule: ScheduleRecord): Promise<void> {
    const entry = this.#entries.get(schedule.id);
    const record = structuredClone(schedule);
    if (entry === undefined) this.#entries.set(schedule.id, { record, lastTick: undefined });
    else entry.record = record;
  }

  /** A copy of the schedule, or undefined. */
  async get(scheduleId: string): Promise<ScheduleRecord | undefined> {
    const entry = this.#entries.get(scheduleId);
    return entry === undefined ? undefined : structuredClone(entry.record);
  }

  /** Copies of every schedule, by `createdAt`, then `id`. */
  async list(): Promise<ScheduleRecord[]> {
    return [...this.#entries.values()]
      .map((entry) => structuredClone(entry.record))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Removes the schedule and its ticks; true when it existed. */
  async delete(scheduleId: string): Promise<boolean> {
    return this.#entries.delete(scheduleId);
  }

  /**
   * True for the first caller of this tick, when no later tick was claimed: records it as the last
   * tick. Runs without an await in between, so it is atomic among callers in this process.
   */
  async claimTick(scheduleId: string, tickAt: number): Promise<boolean> {
    const entry = this.#entries.get(scheduleId);
    if (entry === undefined) return false;
    if (entry.lastTick !== undefined && entry.lastTick >= tickAt) return false;
    entry.lastTick = tickAt;
    return true;
  }

  /** The latest claimed tick, or undefined. */
  async lastTick(scheduleId: string): Promise<number | undefined> {
    return this.#entries.get(scheduleId)?.lastTick;
  }
}
