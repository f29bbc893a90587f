/**
 * What `ctx.wait(…)` returns and a stateful handler returns in turn (README: Handler jobs,
 * "Stateful handlers"): the job goes back to the queue in its lane place until `wakeAt`, then its
 * handler is called again with its checkpoint. A handler must return the value itself: a copy, or
 * a look-alike object, is an ordinary return value.
 * @module
 */

import { JOB_LIMITS } from '../json-data.js';
import type { JobWait } from '../types.js';

/** A stateful handler's request to sleep; made only by `ctx.wait`. */
export class WaitRequest {
  readonly wakeAt: number;
  readonly reason: string | undefined;

  /** Made by `ctx.wait`. */
  constructor(wait: JobWait) {
    this.wakeAt = wait.wakeAt;
    this.reason = wait.reason;
    Object.freeze(this);
  }

  /** The request as a `JobResult.wait`. */
  toJobWait(): JobWait {
    return this.reason === undefined
      ? { wakeAt: this.wakeAt }
      : { wakeAt: this.wakeAt, reason: this.reason };
  }
}

/** What `ctx.wait` takes: a wake-up time, or a delay from now. */
export type WaitOptions =
  | { wakeAt: number | Date; delay?: undefined; reason?: string }
  | { delay: number; wakeAt?: undefined; reason?: string };

/** Longest `reason`, in UTF-16 code units: it is reported, not stored. */
const MAX_REASON_LENGTH = 1_000;

/**
 * The request of `ctx.wait(options)` at `now`. Throws a `TypeError` naming the option and the
 * fix on anything but one finite wake-up time (ms since epoch or a `Date`) or delay (ms ≥ 0).
 */
export function waitRequest(options: unknown, now: number): WaitRequest {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected ctx.wait to receive { wakeAt } or { delay }, got ${options === null ? 'null' : typeof options}`,
    );
  }
  const { wakeAt, delay, reason } = options as Record<string, unknown>;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) {
    throw new TypeError(
      `Expected ctx.wait's \`reason\` to be a string of at most ${MAX_REASON_LENGTH} characters, got ${typeof reason === 'string' ? `${reason.length} characters` : typeof reason}`,
    );
  }
  let at: number;
  if (wakeAt !== undefined && delay !== undefined) {
    throw new TypeError('Expected ctx.wait to receive `wakeAt` or `delay`, not both');
  } else if (wakeAt !== undefined) {
    at = wakeAt instanceof Date ? wakeAt.getTime() : (wakeAt as number);
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new TypeError(
        `Expected ctx.wait's \`wakeAt\` to be a finite time in ms since epoch or a valid Date, got ${String(wakeAt)}`,
      );
    }
  } else if (delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      throw new TypeError(
        `Expected ctx.wait's \`delay\` to be a finite number of ms ≥ 0, got ${String(delay)}`,
      );
    }
    at = now + delay;
  } else {
    throw new TypeError(
      'Expected ctx.wait to receive `wakeAt` (ms since epoch or a Date) or `delay` (ms)',
    );
  }
  if (Math.abs(at) > JOB_LIMITS.maxRunAt) {
    throw new TypeError(
      `Expected ctx.wait to wake within ±${JOB_LIMITS.maxRunAt} ms of the epoch (JOB_LIMITS.maxRunAt, a Date's range), got ${at}`,
    );
  }
  const wait: JobWait = { wakeAt: Math.ceil(at) };
  if (reason !== undefined) wait.reason = reason;
  return new WaitRequest(wait);
}
