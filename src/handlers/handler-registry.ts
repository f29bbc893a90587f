/**
 * The handlers a reactor runs, by type (README: Handler jobs).
 * @module
 */
import type { Job } from '../types.js';
import type { HandlerCheckpoint } from './handler-checkpoint.js';
import type { WaitOptions, WaitRequest } from './wait-request.js';

/** What a handler receives beside its input. */
export type HandlerContext = {
  /** The job, as claimed (its `attempts` counts this attempt). */
  job: Job;
  /** This attempt's number, from 1. */
  attempt: number;
  /**
   * Aborted when the attempt times out (`jobTimeout`) or the executor stops without waiting: its
   * reason is a `JobError` (`TIMEOUT`, `GRACEFUL_ABORT`). The attempt ends at once either way;
   * pass the signal to `fetch` and the like so the work stops too.
   */
  signal: AbortSignal;
  /**
   * Reports progress of long work: publishes `jobProgress` `{ job, attempt, progress }` on this
   * process's bus (not stored). Ignored once the attempt has ended.
   */
  progress(progress: unknown): void;
  /**
   * Records a heartbeat on the attempt's claim now (durable queues; a no-op in memory, which has
   * no reaper), beside the storage's periodic heartbeat of every claim, and rejects with a
   * `StaleClaimError` when the claim was lost (reaped): long work calls it between steps to keep
   * its claim and to learn early that another process may run the job.
   */
  heartbeat(): Promise<void>;
  /**
   * The job's checkpoint (README: Handler jobs, "Stateful handlers"): `load()` the last value
   * saved (`undefined` before any save), `save(value)` to store one under this attempt's claim.
   */
  checkpoint: HandlerCheckpoint;
  /**
   * Returns the request to sleep, which the handler returns in turn: the job goes back to the
   * queue keeping its place on every one of its keys, holding no slot and no claim, not run
   * before `wakeAt` (ms since epoch or a `Date`; or `delay` ms from now, on the reactor's clock),
   * then the handler is called again and can `load()` its checkpoint. `reason` goes out with the
   * `jobWaiting` event. Throws a `TypeError` on a bad time.
   */
  wait(options: WaitOptions): WaitRequest;
};

/**
 * A handler: does the job's work (I/O allowed) and returns its result, JSON data or `undefined`.
 * A throw is retried with backoff; a `NonRetryableError` fails the job for good.
 */
// biome-ignore lint/suspicious/noExplicitAny: a handler's input is whatever its jobs carry.
export type Handler<I = any, O = unknown> = (input: I, context: HandlerContext) => O | Promise<O>;

/** Handlers by type. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Handler>();

  /** Registers (or replaces) the handler of `type`. @throws TypeError on a bad type or handler */
  register(type: unknown, handler: unknown): void {
    if (typeof type !== 'string' || type.length === 0) {
      throw new TypeError(
        `Expected the handler type to be a non-empty string, got ${JSON.stringify(type) ?? String(type)}`,
      );
    }
    if (typeof handler !== 'function') {
      throw new TypeError(
        `Expected the handler of ${JSON.stringify(type)} to be a function (input, context) => result, got ${typeof handler}`,
      );
    }
    this.handlers.set(type, handler as Handler);
  }

  get(type: string): Handler | undefined {
    return this.handlers.get(type);
  }

  has(type: string): boolean {
    return this.handlers.has(type);
  }

  /** The registered types, in registration order. */
  types(): string[] {
    return [...this.handlers.keys()];
  }
}
