/**
 * Counters behind `getStatus()` and `getStats()`, and a sliding-window rate for `jobsPerSecond`.
 * @module
 */

const BUCKETS = 20;

export class ExecutionStats {
  processed = 0;
  succeeded = 0;
  failed = 0;
  lastCompletedAt: number | undefined;
  private totalDuration = 0;
  /** Finished-job counts per bucket of `window / BUCKETS` ms, as a ring. */
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly stamps = new Array<number>(BUCKETS).fill(-1);

  constructor(
    private readonly now: () => number,
    private window: number,
  ) {}

  /** When counting began (the executor's start): a rate is never spread over time before it. */
  private since: number | undefined;

  setWindow(window: number): void {
    this.window = window;
    this.counts.fill(0);
    this.stamps.fill(-1);
  }

  /** Starts a new rate window at `now` (the executor started). */
  begin(now: number): void {
    this.since = now;
    this.counts.fill(0);
    this.stamps.fill(-1);
  }

  record(success: boolean, duration: number): void {
    this.processed++;
    if (success) this.succeeded++;
    else this.failed++;
    this.totalDuration += duration;
    const now = this.now();
    this.lastCompletedAt = now;
    const slot = Math.floor(now / (this.window / BUCKETS));
    const i = slot % BUCKETS;
    if (this.stamps[i] !== slot) {
      this.stamps[i] = slot;
      this.counts[i] = 0;
    }
    this.counts[i]!++;
  }

  get averageExecutionTime(): number {
    return this.processed === 0 ? 0 : this.totalDuration / this.processed;
  }

  get successRate(): number {
    return this.processed === 0 ? 0 : this.succeeded / this.processed;
  }

  /**
   * Jobs finished per second over the last `window` ms, or over the time since `begin` when that
   * is shorter (21 ms after a start, 100 jobs are 4,762 jobs/s, not 10).
   */
  jobsPerSecond(): number {
    const now = this.now();
    const size = this.window / BUCKETS;
    const current = Math.floor(now / size);
    let total = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const stamp = this.stamps[i]!;
      if (stamp >= 0 && current - stamp < BUCKETS) total += this.counts[i]!;
    }
    const span =
      this.since === undefined ? this.window : Math.min(this.window, Math.max(1, now - this.since));
    return (total * 1000) / span;
  }
}

/** Executor status (README: Semantics, "Stats"). */
export type ExecutorStatus = {
  isRunning: boolean;
  isPaused: boolean;
  activeJobs: number;
  totalJobsProcessed: number;
  totalJobsSucceeded: number;
  totalJobsFailed: number;
  lastJobCompletedAt?: string;
  uptime?: number;
};

/** Execution statistics (README: Semantics, "Stats"). */
export type ExecutorStats = {
  averageExecutionTime: number;
  successRate: number;
  jobsPerSecond: number;
  queueBacklog: number;
};
