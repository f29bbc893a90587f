/**
 * What the main command counts while it runs: outcomes, error codes, retries and latencies,
 * from the manager's events.
 * @module
 */
import type { Reactor } from '../create-reactor.js';
import { errorCodeName } from '../errors.js';

/** Counts of one run, fed by the manager's events for the jobs of one workload. */
export class RunTally {
  /** Jobs of the workload that had finished before this run (resume). */
  finishedBefore = 0;
  completed = 0;
  failed = 0;
  retries = 0;
  fatalErrors = 0;
  readonly failedByCode = new Map<string, number>();
  readonly retriesByCode = new Map<string, number>();
  /** Enqueue (or run start, for jobs enqueued by an earlier run) → completion, in ms. */
  readonly latencies: number[] = [];
  /** Enqueue (or run start) → first attempt started, in ms. */
  readonly startLatencies: number[] = [];
  readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** Jobs of the workload finished so far, this run and before. */
  get done(): number {
    return this.finishedBefore + this.completed + this.failed;
  }

  /** Subscribes to the reactor's events; returns the unsubscribe function. */
  attach(reactor: Reactor, isOurs: (jobId: string) => boolean): () => void {
    const offs = [
      reactor.on('jobStarted', ({ job, attempt }) => {
        if (attempt !== 1 || !isOurs(job.id)) return;
        this.startLatencies.push(this.now() - Math.max(job.createdAt, this.startedAt));
      }),
      reactor.on('jobCompleted', ({ job }) => {
        if (!isOurs(job.id)) return;
        this.completed += 1;
        this.latencies.push(this.now() - Math.max(job.createdAt, this.startedAt));
      }),
      reactor.on('jobFailed', ({ job, error }) => {
        if (!isOurs(job.id)) return;
        this.failed += 1;
        bump(this.failedByCode, errorCodeName(error.code));
        this.latencies.push(this.now() - Math.max(job.createdAt, this.startedAt));
      }),
      reactor.on('jobRetry', ({ job, error }) => {
        if (!isOurs(job.id)) return;
        this.retries += 1;
        bump(this.retriesByCode, errorCodeName(error.code));
      }),
      reactor.on('fatalError', ({ job }) => {
        if (isOurs(job.id)) this.fatalErrors += 1;
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The `p`-th percentile (0..100) by nearest rank; 0 for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
