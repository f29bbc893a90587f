/**
 * Background work on the injected clock: a `setTimeout` chain.
 * @module
 */
import type { Clock } from '../../clock.js';

/** A running {@link repeat}. */
export type Repeating = { stop(): void };

/**
 * Runs `task` every `interval` ms on `clock`: the next run is scheduled when the previous one has
 * settled, so runs never overlap. A throw (or rejection) goes to `onError` and the chain goes on.
 * @internal
 */
export function repeat(
  clock: Clock,
  interval: number,
  task: () => unknown,
  onError: (error: unknown) => void,
): Repeating {
  let stopped = false;
  let timer: unknown;
  const schedule = () => {
    if (!stopped) timer = clock.setTimeout(tick, interval);
  };
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    let result: unknown;
    try {
      result = task();
    } catch (error) {
      onError(error);
      schedule();
      return;
    }
    if (result instanceof Promise) {
      result.then(schedule, (error: unknown) => {
        onError(error);
        schedule();
      });
    } else {
      schedule();
    }
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
