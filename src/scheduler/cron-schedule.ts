/**
 * A cron pattern read in a time zone, parsed and validated once with croner, answering the two
 * questions the scheduler asks: the next tick after an instant, and the latest tick at or before
 * one. Croner never starts a timer here (no callback is given): timers are the scheduler's, on the
 * injected clock.
 * @module
 */
import { Cron } from 'croner';
import { JobValidationError } from '../errors.js';

/** The zone of a schedule that names none: every process reads the pattern the same way. */
export const DEFAULT_TIMEZONE = 'UTC';

export class CronSchedule {
  private constructor(
    private readonly cron: Cron,
    /** The pattern as given. */
    readonly pattern: string,
    /** The IANA zone the pattern is read in. */
    readonly timezone: string,
  ) {}

  /**
   * Parses `pattern` in `timezone`. Throws a `JobValidationError` on `timezone` for anything but
   * an IANA zone name the runtime knows, and on `cron` for anything croner rejects (or a date,
   * which croner would take as a one-off).
   */
  static parse(pattern: unknown, timezone: unknown = DEFAULT_TIMEZONE): CronSchedule {
    if (typeof timezone !== 'string' || timezone === '') {
      throw new JobValidationError(
        'timezone',
        `expected an IANA time zone name such as 'America/New_York', got ${describe(timezone)}`,
      );
    }
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new JobValidationError(
        'timezone',
        `expected an IANA time zone name such as 'America/New_York', got ${describe(timezone)}, which this runtime does not know`,
      );
    }
    if (typeof pattern !== 'string' || pattern.trim() === '') {
      throw new JobValidationError(
        'cron',
        `expected a cron pattern such as '30 2 * * *', got ${describe(pattern)}`,
      );
    }
    let cron: Cron;
    try {
      cron = new Cron(pattern, { timezone, paused: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new JobValidationError(
        'cron',
        `expected a cron pattern such as '30 2 * * *', got ${describe(pattern)} (${reason})`,
      );
    }
    if (cron.getPattern() === undefined) {
      throw new JobValidationError(
        'cron',
        `expected a cron pattern such as '30 2 * * *', got a date, ${describe(pattern)}; use schedule(job, { runAt }) for one run`,
      );
    }
    return new CronSchedule(cron, pattern, timezone);
  }

  /** The first tick strictly after `after` (ms), or undefined when the pattern has none. */
  next(after: number): number | undefined {
    return this.cron.nextRun(new Date(after))?.getTime();
  }

  /** The latest tick at or before `atOrBefore` (ms), or undefined when there is none. */
  latest(atOrBefore: number): number | undefined {
    // croner's previousRuns is strictly before its reference.
    return this.cron.previousRuns(1, new Date(atOrBefore + 1))[0]?.getTime();
  }
}

/** A short description of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}…` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
