/**
 * Background work of the durable storages on the injected clock (heartbeats, the reaper,
 * polling): a `setTimeout` chain.
 * @module
 */
import type { Clock } from '../clock.js';

/** A started {@link repeat}; `stop` cancels the next run and resolves when the current one settles. */
export type Repetition = { stop(): Promise<void> };

/**
 * Runs `task` every `interval` ms of `clock` (first run after one interval): the next run is
 * scheduled when the previous one has settled, so runs never overlap. `task` may be synchronous
 * (it then runs inside the timer callback) or return a promise; a throw or a rejection goes to
 * `onError` and the repetition goes on.
 */
export function repeat(
  clock: Clock,
  interval: number,
  task: () => unknown,
  onError: (error: unknown) => void,
): Repetition {
  let stopped = false;
  let timer: unknown;
  let running: Promise<void> | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(tick, interval);
  };
  const settled = () => {
    running = undefined;
    schedule();
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
    if (!(result instanceof Promise)) {
      schedule();
      return;
    }
    running = result.then(
      () => {},
      (error: unknown) => onError(error),
    );
    running.then(settled);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
