/**
 * The job of a recurring schedule: checking a stored job input, and building each tick's job.
 * @module
 */
import type { ScheduleRecord } from '../adapters/ports.js';
import { JobValidationError } from '../errors.js';
import type { HandlerJobInput, JobInput } from '../types.js';
import { prepareJobInput } from '../validate-job.js';
import { describe } from './cron-schedule.js';

/** What each tick of a recurring schedule enqueues: a job input, or a function of the tick. */
export type RecurringJob =
  | JobInput
  | HandlerJobInput
  | ((tickAt: Date) => JobInput | HandlerJobInput);

/** What {@link Scheduler.scheduleRecurring} takes. */
export type RecurringScheduleInput = {
  /**
   * Names the schedule. Registering an id again replaces that schedule and keeps its claimed
   * ticks, which is how a function job is attached again after a restart. @default a random UUID
   */
  id?: string;
  /** Cron pattern, croner syntax: 5 fields (minute precision), 6 or 7 (seconds, years), `@daily`. */
  cron: string;
  /** IANA time zone the pattern is read in. @default 'UTC' */
  timezone?: string;
  job: RecurringJob;
};

/** The id of the job a schedule's tick enqueues (unless its function names one). */
export function tickJobId(scheduleId: string, tickAt: number): string {
  return `${scheduleId}@${new Date(tickAt).toISOString()}`;
}

/** The job input of one tick (see {@link Scheduler.scheduleRecurring}). */
export function tickJob(
  record: ScheduleRecord,
  fn: ((tickAt: Date) => JobInput | HandlerJobInput) | undefined,
  tickAt: number,
): JobInput {
  const scheduleId = record.id;
  const iso = new Date(tickAt).toISOString();
  const meta = { scheduleId, tickAt: iso };
  if (fn !== undefined) {
    // Through the boundary first: the spreads below then read plain data, never a getter.
    const input = prepareJobInput(fn(new Date(tickAt)));
    return {
      ...input,
      id: input?.id ?? tickJobId(scheduleId, tickAt),
      meta: { ...input?.meta, ...meta },
    };
  }
  const base = record.job as JobInput;
  // A handler job has no actions: its tick is its id (README: Handler jobs).
  if (base.handler !== undefined) {
    return { ...base, id: tickJobId(scheduleId, tickAt), meta: { ...base.meta, ...meta } };
  }
  return {
    ...base,
    id: tickJobId(scheduleId, tickAt),
    actions: base.actions.map((action) => ({
      ...action,
      id: `${action.id}@${iso}`,
      timestampUtcMs: iso,
    })),
    meta: { ...base.meta, ...meta },
  };
}

/**
 * A job input stored with a schedule: a valid job without `id`, `runAt` or signed actions.
 * @returns its detached copy ({@link prepareJobInput}), the one to store.
 */
export function checkRecurringJobInput(input: unknown): JobInput {
  const job = prepareRecurring(input);
  if (job.id !== undefined) {
    throw new JobValidationError(
      'job.id',
      'a recurring job gets one id per tick, <scheduleId>@<tick ISO>; leave `id` out, or pass a function to choose ids',
    );
  }
  if (job.runAt !== undefined) {
    throw new JobValidationError(
      'job.runAt',
      'a recurring job is enqueued at its tick; leave `runAt` out',
    );
  }
  job.actions?.forEach((action, i) => {
    if (action.context?.signer !== undefined) {
      throw new JobValidationError(
        `job.actions[${i}].context.signer`,
        "each tick gets new action ids and timestamps, which would break the action's signature; pass a function that signs each tick's actions",
      );
    }
  });
  return job;
}

/** The copy of a schedule's job input; its errors name the field under `job.`. */
function prepareRecurring(job: unknown): JobInput {
  if (typeof job !== 'object' || job === null || Array.isArray(job)) {
    throw new JobValidationError(
      'job',
      `expected a job input or a function (tickAt) => job input, got ${describe(job)}`,
    );
  }
  try {
    return prepareJobInput(job);
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    const reason = error.message.replace(/^Invalid `[^`]*`: /, '');
    throw new JobValidationError(error.field === 'input' ? 'job' : `job.${error.field}`, reason);
  }
}

export function tickError(scheduleId: string, tickAt: number, what: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `Schedule ${scheduleId}, tick ${new Date(tickAt).toISOString()}: ${what}: ${reason}`,
    { cause },
  );
}
