/**
 * The injectable clock. Its shape is XState's `Clock` plus `now()`, so XState's `SimulatedClock`
 * is a valid `Clock` and one object drives both the actors' delays and our timestamps.
 * @module
 */

/** Time source and timers. `SimulatedClock` from `xstate` satisfies it. */
export interface Clock {
  now(): number;
  // biome-ignore lint/suspicious/noExplicitAny: timer handles differ between clocks
  setTimeout(fn: (...args: any[]) => void, timeout: number): any;
  // biome-ignore lint/suspicious/noExplicitAny: timer handles differ between clocks
  clearTimeout(id: any): void;
}

/** The real clock: `Date.now` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
