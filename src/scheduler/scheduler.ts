/**
 * `Scheduler`: delayed jobs and recurring (cron) jobs (README: Scheduler and metrics).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { MemoryScheduleStore } from '../adapters/memory/memory-schedule-store.js';
import type { IQueue, IScheduleStore, ScheduleRecord } from '../adapters/ports.js';
import { type Clock, systemClock } from '../clock.js';
import { JobValidationError } from '../errors.js';
import type { HandlerJobInput, JobInput } from '../types.js';
import { checkRunAt, prepareJobInput } from '../validate-job.js';
import { CronSchedule, DEFAULT_TIMEZONE, describe } from './cron-schedule.js';
import {
  checkRecurringJobInput,
  type RecurringJob,
  type RecurringScheduleInput,
  tickError,
  tickJob,
  tickJobId,
} from './recurring-job.js';

export type { RecurringJob, RecurringScheduleInput };
export { tickJobId };

/** A recurring schedule as {@link Scheduler.list} reports it. */
export type ScheduleInfo = {
  id: string;
  cron: string;
  timezone: string;
  /** The next tick after now (ms since epoch); undefined when the pattern has none left. */
  nextRunAt: number | undefined;
  /** The latest tick claimed by any process sharing the store. */
  lastTickAt: number | undefined;
  /**
   * `'input'`: a stored job input, run by every scheduler sharing the store; `'function'`: a
   * function registered in this process; `'detached'`: a function registered elsewhere, which
   * this process cannot run.
   */
  job: 'input' | 'function' | 'detached';
  createdAt: number;
};

/** Options of {@link Scheduler}. */
export type SchedulerOptions = {
  /** Where delayed jobs and each tick's job are enqueued. */
  queue: IQueue;
  /** Where recurring schedules and their claimed ticks live. @default a new MemoryScheduleStore */
  store?: IScheduleStore;
  /** Time source and the one timer. @default systemClock */
  clock?: Clock;
  /**
   * How often a started scheduler reloads the store, to take up schedules saved by other processes
   * and drop deleted ones (ms; `Infinity`: only at start). @default 60000
   */
  refreshInterval?: number;
  /** Id of a recurring schedule registered without one. @default crypto.randomUUID */
  idFactory?: () => string;
  /** Receives ticks that could not be enqueued, and store errors. @default console.error */
  onError?: (error: unknown) => void;
  /**
   * Called with the id of a job {@link Scheduler.cancel} took out of the queue (the reactor rejects
   * the job's `watch`ers with it). @default none
   */
  onJobCancelled?: (jobId: string) => void;
};

/** A schedule this process ticks. */
type Active = {
  record: ScheduleRecord;
  cron: CronSchedule;
  /** The function job, when registered in this process. */
  fn: ((tickAt: Date) => JobInput | HandlerJobInput) | undefined;
  /** Next tick to wait for; undefined until started (or when the pattern has none left). */
  nextRunAt: number | undefined;
  /** Caught up since the last start. */
  caughtUp: boolean;
};

/** Where a tick's claim stands for this scheduler (see `#fire`). */
type TickClaim = 'todo' | 'won' | 'taken';

/** A tick whose claim or enqueue failed, to be tried again. */
type Retry = { scheduleId: string; tickAt: number; claimed: boolean; attempt: number; at: number };

const DEFAULT_REFRESH_INTERVAL = 60_000;
/** Node's timers overflow past 2^31 - 1 ms; a longer wait wakes early and re-arms. */
const MAX_TIMER_DELAY = 2_147_483_647;
/** Retries of a tick whose claim or enqueue failed: after 1, 2, 4, 8, 16 s. */
const MAX_TICK_RETRIES = 5;
const TICK_RETRY_BASE = 1_000;

/**
 * Enqueues delayed jobs and the jobs of recurring schedules.
 *
 * A delayed job is an ordinary job with a `runAt`: it takes its place in its lanes at once and is
 * claimable from `runAt` on (later jobs of its lanes wait behind it). A recurring schedule is kept
 * in an {@link IScheduleStore}; while started, the scheduler waits for the earliest next tick of
 * its schedules with one timer on the injected clock and, at each tick, claims the tick in the
 * store (`claimTick`) and, if it won the claim, enqueues one job (the losers enqueue it too when
 * its id is derived from the tick, refused as a duplicate, so a winner dying in between loses no
 * tick). Schedulers sharing a store — processes sharing a database — so enqueue exactly one job
 * per tick. Ticks missed while no
 * scheduler ran are caught up once, not once per missed tick: when a scheduler starts (or takes up
 * a schedule), it runs the latest due tick if it is later than the last one claimed.
 *
 * @example
 * const scheduler = new Scheduler({ queue });
 * await scheduler.start();
 * await scheduler.schedule(job, { runAt: Date.now() + 60_000 });
 * await scheduler.scheduleRecurring({
 *   id: 'nightly-reset', cron: '30 2 * * *', timezone: 'America/New_York',
 *   job: (tickAt) => ({ documentId: 'doc-1', scopes: ['global'],
 *     actions: [createAction({ type: 'RESET', scope: 'global', input: { at: tickAt.toISOString() } })] }),
 * });
 */
export class Scheduler {
  readonly #queue: IQueue;
  readonly #store: IScheduleStore;
  readonly #clock: Clock;
  readonly #refreshInterval: number;
  readonly #idFactory: () => string;
  readonly #onError: (error: unknown) => void;
  readonly #onJobCancelled: ((jobId: string) => void) | undefined;

  readonly #active = new Map<string, Active>();
  #retries: Retry[] = [];
  #started = false;
  #refreshAt = Number.POSITIVE_INFINITY;
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  /** Tail of the serialised work (start, ticks, registration, cancel), so none interleave. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    if (!options || typeof options.queue !== 'object' || options.queue === null) {
      throw new JobValidationError('queue', 'expected an IQueue');
    }
    const refresh = options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL;
    if (typeof refresh !== 'number' || !(refresh > 0)) {
      throw new JobValidationError(
        'refreshInterval',
        `expected \`refreshInterval\` to be a number > 0 (ms) or Infinity, got ${describe(refresh)}`,
      );
    }
    this.#queue = options.queue;
    this.#store = options.store ?? new MemoryScheduleStore();
    this.#clock = options.clock ?? systemClock;
    this.#refreshInterval = refresh;
    this.#idFactory = options.idFactory ?? randomUUID;
    this.#onError = options.onError ?? ((error) => console.error('[seriatim]', error));
    this.#onJobCancelled = options.onJobCancelled;
  }

  /** The store of recurring schedules. */
  get store(): IScheduleStore {
    return this.#store;
  }

  /** Whether ticks are being enqueued. */
  get isRunning(): boolean {
    return this.#started;
  }

  /**
   * Enqueues `input` as a delayed job: it takes its place in its lanes now and becomes claimable
   * at `runAt` (ms since epoch; a time already past means at once). Works whether or not the
   * scheduler is started. Cancel it with {@link cancel} while it is pending.
   * @returns the job's id.
   * @throws JobValidationError on `runAt` unless an integer (see JOB_LIMITS), and as `enqueue` does.
   */
  async schedule(input: JobInput | HandlerJobInput, options: { runAt: number }): Promise<string> {
    const runAt = options?.runAt;
    checkRunAt(runAt);
    // The copy is plain data, so spreading it runs no getter of the caller's input.
    const job = await this.#queue.enqueue({ ...prepareJobInput(input), runAt });
    return job.id;
  }

  /**
   * Saves a recurring schedule (replacing one with the same `id`) and, when started, begins
   * ticking it. Each tick enqueues one job: a job input is copied with the id
   * `${scheduleId}@${tick ISO}`, its action ids suffixed `@${tick ISO}` (so each tick's operations
   * are new, not replays) and their timestamps set to the tick; a function is called with the
   * tick and its job gets that id unless it names one. Every tick's job carries
   * `meta.scheduleId` and `meta.tickAt` (ISO).
   * @returns the schedule's id.
   * @throws JobValidationError naming `cron`, `timezone`, `id`, `job` or the job input's field
   * (`job.scopes`, …); a job input may not carry `id`, `runAt` or signed actions.
   */
  async scheduleRecurring(input: RecurringScheduleInput): Promise<string> {
    if (typeof input !== 'object' || input === null) {
      throw new JobValidationError(
        'input',
        `expected { cron, timezone?, job }, got ${describe(input)}`,
      );
    }
    const cron = CronSchedule.parse(input.cron, input.timezone ?? DEFAULT_TIMEZONE);
    const now = this.#clock.now();
    if (cron.next(now) === undefined) {
      throw new JobValidationError(
        'cron',
        `expected a pattern with runs after now, got ${describe(input.cron)}`,
      );
    }
    const id = input.id ?? this.#idFactory();
    if (typeof id !== 'string' || id === '') {
      throw new JobValidationError('id', `expected a non-empty string, got ${describe(id)}`);
    }
    const fn = typeof input.job === 'function' ? input.job : undefined;
    const job = fn === undefined ? checkRecurringJobInput(input.job) : undefined;
    const existing = await this.#store.get(id);
    const samePattern =
      existing !== undefined &&
      existing.cron === cron.pattern &&
      existing.timezone === cron.timezone;
    const record: ScheduleRecord = {
      id,
      cron: cron.pattern,
      timezone: cron.timezone,
      ...(job === undefined ? {} : { job }),
      createdAt: existing?.createdAt ?? now,
      since: samePattern ? existing.since : now,
      updatedAt: now,
    };
    await this.#store.save(record);
    await this.#exclusive(async () => {
      const active: Active = { record, cron, fn, nextRunAt: undefined, caughtUp: false };
      this.#active.set(id, active);
      this.#retries = this.#retries.filter((retry) => retry.scheduleId !== id);
      if (this.#started) {
        await this.#catchUp(active);
        this.#arm();
      }
    });
    return id;
  }

  /**
   * Cancels a recurring schedule (stops it and deletes it from the store; jobs its ticks enqueued
   * already stay) or, for any other id, a delayed or pending job (`queue.cancel`, then
   * `onJobCancelled`).
   * @returns true when something was cancelled; false for an unknown id or a job no longer pending.
   */
  async cancel(id: string): Promise<boolean> {
    const schedule = await this.#exclusive(async () => {
      const known = this.#active.delete(id);
      this.#retries = this.#retries.filter((retry) => retry.scheduleId !== id);
      const deleted = await this.#store.delete(id);
      this.#arm();
      return known || deleted;
    });
    if (schedule) return true;
    const cancelled = await this.#queue.cancel(id);
    if (cancelled) {
      try {
        this.#onJobCancelled?.(id);
      } catch (error) {
        this.#onError(error);
      }
    }
    return cancelled;
  }

  /** The recurring schedules in the store, with their next run after now and last claimed tick. */
  async list(): Promise<ScheduleInfo[]> {
    const records = await this.#store.list();
    const now = this.#clock.now();
    return Promise.all(
      records.map(async (record): Promise<ScheduleInfo> => {
        const active = this.#active.get(record.id);
        let nextRunAt: number | undefined;
        try {
          nextRunAt = (active?.cron ?? CronSchedule.parse(record.cron, record.timezone)).next(now);
        } catch {
          nextRunAt = undefined; // a record this version cannot parse never runs here
        }
        return {
          id: record.id,
          cron: record.cron,
          timezone: record.timezone,
          nextRunAt,
          lastTickAt: await this.#store.lastTick(record.id),
          job: record.job !== undefined ? 'input' : active?.fn ? 'function' : 'detached',
          createdAt: record.createdAt,
        };
      }),
    );
  }

  /**
   * Starts ticking: loads the store's schedules, runs once each schedule's latest missed tick (if
   * later than its last claimed tick and than its creation), and waits for the next ticks. A
   * second call is a no-op.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#exclusive(async () => {
      if (!this.#started) return;
      await this.#reload();
      this.#refreshAt = this.#clock.now() + this.#refreshInterval;
      await this.#catchUpAll();
      this.#arm();
    });
  }

  /** Stops ticking; resolves once a tick in progress has been enqueued. Schedules stay stored. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#clearTimer();
    await this.#exclusive(async () => {
      for (const active of this.#active.values()) {
        active.caughtUp = false;
        active.nextRunAt = undefined;
      }
    });
  }

  // ─── ticking ─────────────────────────────────────────────────────────────────────────────────

  /** Runs the schedule's latest due tick if no process ran it, then waits for its next tick. */
  async #catchUp(active: Active): Promise<void> {
    active.caughtUp = true;
    const now = this.#clock.now();
    active.nextRunAt = active.cron.next(now);
    const due = active.cron.latest(now);
    if (due === undefined || due <= active.record.since) return;
    const last = await this.#store.lastTick(active.record.id);
    if (last !== undefined && last > due) return;
    // Claimed already: its winner may have died between the claim and the enqueue.
    await this.#fire(active, due, last === due ? 'taken' : 'todo', 0);
  }

  /** The timer fired: reload if due, retry failed ticks, run due ticks, re-arm. */
  async #wake(): Promise<void> {
    if (!this.#started) return;
    if (this.#clock.now() >= this.#refreshAt) {
      this.#refreshAt = this.#clock.now() + this.#refreshInterval;
      await this.#reload();
      await this.#catchUpAll();
    }
    const now = this.#clock.now();
    const due = this.#retries.filter((retry) => retry.at <= now);
    this.#retries = this.#retries.filter((retry) => retry.at > now);
    for (const retry of due) {
      const active = this.#active.get(retry.scheduleId);
      if (active) {
        await this.#fire(active, retry.tickAt, retry.claimed ? 'won' : 'todo', retry.attempt);
      }
    }
    for (const active of [...this.#active.values()]) {
      if (!this.#started) return;
      if (this.#active.get(active.record.id) !== active || !active.caughtUp) continue;
      const at = this.#clock.now();
      if (active.nextRunAt === undefined || active.nextRunAt > at) continue;
      // Normally the tick waited for; after a stall (a suspended process), the latest one due:
      // ticks missed meanwhile run once, as at start.
      const tick = active.cron.latest(at) ?? active.nextRunAt;
      active.nextRunAt = active.cron.next(at);
      await this.#fire(active, tick, 'todo', 0);
    }
    this.#arm();
  }

  /**
   * Claims the tick and enqueues its job; failures are retried. `claim` says where the claim
   * stands: still to be made, `won` by this scheduler (a retry), or `taken` (found claimed).
   *
   * Claim and enqueue are two steps, so the winner of a claim may die between them. A scheduler
   * that finds the tick claimed — by another process, or by itself before a restart — therefore
   * enqueues the tick's job as well when its id is the one derived from the tick: the queue refuses
   * a second job with that id, so the tick still gets exactly one job. (A job function that names
   * its own id cannot be deduplicated that way; only the winner enqueues its tick.)
   */
  async #fire(active: Active, tickAt: number, claim: TickClaim, attempt: number): Promise<void> {
    const id = active.record.id;
    try {
      if (claim === 'todo') {
        if (await this.#store.claimTick(id, tickAt)) {
          claim = 'won';
        } else if ((await this.#store.get(id)) === undefined) {
          // Deleted elsewhere: drop it.
          if (this.#active.get(id) === active) this.#active.delete(id);
          return;
        } else if ((await this.#store.lastTick(id)) === tickAt) {
          claim = 'taken';
        } else {
          return; // a later tick was claimed already: this one is past
        }
      }
    } catch (error) {
      this.#retryOrReport(active, tickAt, false, attempt, error);
      return;
    }
    let input: JobInput;
    try {
      input = tickJob(active.record, active.fn, tickAt);
    } catch (error) {
      const what =
        error instanceof JobValidationError ? 'its job was rejected' : 'its job function threw';
      if (claim === 'won') this.#onError(tickError(id, tickAt, what, error));
      return;
    }
    const derivedId = input.id === tickJobId(id, tickAt);
    if (claim === 'taken' && !derivedId) return;
    try {
      await this.#queue.enqueue(input);
    } catch (error) {
      if (error instanceof JobValidationError && error.field === 'id' && derivedId) {
        return; // enqueued already: by the claim's winner, or by an attempt whose answer was lost
      }
      if (claim === 'taken') return; // the winner's concern
      if (error instanceof JobValidationError) {
        this.#onError(tickError(id, tickAt, 'its job was rejected', error));
        return;
      }
      this.#retryOrReport(active, tickAt, true, attempt, error);
    }
  }

  #retryOrReport(
    active: Active,
    tickAt: number,
    claimed: boolean,
    attempt: number,
    error: unknown,
  ): void {
    const id = active.record.id;
    if (attempt >= MAX_TICK_RETRIES) {
      this.#onError(tickError(id, tickAt, `gave up after ${attempt + 1} attempts`, error));
      return;
    }
    this.#onError(tickError(id, tickAt, `attempt ${attempt + 1} failed, will retry`, error));
    const at = this.#clock.now() + TICK_RETRY_BASE * 2 ** attempt;
    this.#retries.push({ scheduleId: id, tickAt, claimed, attempt: attempt + 1, at });
  }

  /** Syncs the active schedules with the store: takes up new ones, applies changes, drops deleted. */
  async #reload(): Promise<void> {
    let records: ScheduleRecord[];
    try {
      records = await this.#store.list();
    } catch (error) {
      this.#onError(error);
      return;
    }
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.id);
      const active = this.#active.get(record.id);
      if (active !== undefined && active.record.updatedAt === record.updatedAt) continue;
      const fn = active?.fn;
      if (record.job === undefined && fn === undefined) {
        this.#active.delete(record.id); // a function registered elsewhere: cannot run it here
        continue;
      }
      let cron: CronSchedule;
      try {
        cron = CronSchedule.parse(record.cron, record.timezone);
      } catch (error) {
        this.#active.delete(record.id);
        this.#onError(new Error(`Schedule ${record.id} cannot be read`, { cause: error }));
        continue;
      }
      const next: Active = {
        record,
        cron,
        fn: record.job === undefined ? fn : undefined,
        nextRunAt: undefined,
        caughtUp: false,
      };
      this.#active.set(record.id, next);
    }
    for (const id of [...this.#active.keys()]) {
      if (!seen.has(id)) this.#active.delete(id);
    }
  }

  /** Catches up every schedule taken up (or registered) since the last start or reload. */
  async #catchUpAll(): Promise<void> {
    for (const active of [...this.#active.values()]) {
      if (!this.#started) return;
      if (!active.caughtUp && this.#active.get(active.record.id) === active) {
        await this.#catchUp(active);
      }
    }
  }

  /** One timer, for the earliest of: next ticks, retries, the next reload. */
  #arm(): void {
    if (!this.#started) return;
    let at = this.#refreshAt;
    for (const active of this.#active.values()) {
      if (active.nextRunAt !== undefined && active.nextRunAt < at) at = active.nextRunAt;
    }
    for (const retry of this.#retries) if (retry.at < at) at = retry.at;
    if (this.#timer !== undefined && this.#timerAt === at) {
      this.#keepAlive();
      return;
    }
    this.#clearTimer();
    if (at === Number.POSITIVE_INFINITY) return;
    this.#timerAt = at;
    const delay = Math.min(Math.max(0, at - this.#clock.now()), MAX_TIMER_DELAY);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#exclusive(() => this.#wake()).catch((error: unknown) => this.#onError(error));
    }, delay);
    this.#keepAlive();
  }

  /** With no schedule to tick, the reload timer alone does not keep a Node process alive. */
  #keepAlive(): void {
    const handle = this.#timer as { ref?: () => void; unref?: () => void } | null | undefined;
    if (this.#active.size === 0 && this.#retries.length === 0) handle?.unref?.();
    else handle?.ref?.();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work);
    this.#chain = run.catch(() => {});
    return run;
  }
}
