/**
 * Keeps the event loop turning. With an in-process store every promise resolves at once, so a
 * backlog runs claim → execute → complete → claim as one endless chain of microtasks, and no
 * timer (job timeouts, backoff, heartbeats, the reaper) and no signal handler runs until the
 * backlog is empty. `EventLoopTurns` lets work run inline until the current chain has held the
 * loop for `budgetMs` of real time, then defers it to the next macrotask (one `setImmediate` for
 * everything deferred meanwhile).
 *
 * Real time on purpose: this is about sharing the thread, not about the injected logical clock.
 * @module
 */
export class EventLoopTurns {
  private turnStartedAt = performance.now();
  /** Work deferred to the next macrotask, as pairs: a function, then its argument. */
  private deferred: unknown[] = [];

  constructor(private readonly budgetMs = 10) {}

  /**
   * Runs `work(arg)` now, or on the next macrotask when this turn has used up its budget. The
   * argument is passed apart so that a caller with one function for all its work needs no closure
   * per call.
   */
  run<T>(work: (arg: T) => void, arg: T): void;
  run(work: () => void): void;
  run(work: (arg: unknown) => void, arg?: unknown): void {
    if (this.deferred.length === 0 && performance.now() - this.turnStartedAt < this.budgetMs) {
      work(arg);
      return;
    }
    if (this.deferred.push(work, arg) === 2) setImmediate(() => this.flush());
  }

  private flush(): void {
    this.turnStartedAt = performance.now();
    const work = this.deferred;
    this.deferred = [];
    for (let i = 0; i < work.length; i += 2) (work[i] as (arg: unknown) => void)(work[i + 1]);
  }
}
