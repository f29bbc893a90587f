/**
 * A repeating task on the injected clock: runs, waits `interval` after it settles, runs again.
 * @internal
 * @module
 */
import type { Clock } from '../../clock.js';

/** A started repetition; `stop` cancels the next run and resolves when the current one settles. */
export type Repetition = { stop(): Promise<void> };

/**
 * Runs `task` every `interval` ms of `clock` (first run after one interval), never two runs at
 * once; a rejection goes to `onError` and the repetition goes on.
 */
export function repeat(
  clock: Clock,
  interval: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): Repetition {
  let stopped = false;
  let timer: unknown;
  let running: Promise<void> | undefined;
  const schedule = () => {
    timer = clock.setTimeout(() => {
      timer = undefined;
      running = task().then(
        () => {},
        (error: unknown) => onError(error),
      );
      running.finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
    }, interval);
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
