/**
 * Finished job results for `watch`: the latest `retention` results are kept (oldest dropped
 * first), and watchers of unfinished jobs are resolved when their job finishes, or rejected when it
 * is cancelled.
 * @module
 */
import type { JobResult } from '../types.js';

type Watcher = { resolve(result: JobResult): void; reject(reason: unknown): void };

export class JobResults {
  private readonly results = new Map<string, JobResult>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  /**
   * Settled results oldest first, from `head` on; an entry whose result is no longer the map's
   * (settled again since) is skipped. Why not `results.keys().next()`: a Map iterator walks over
   * the holes deletions leave at its front, ~9 µs per eviction at 10,000 entries.
   */
  private order: JobResult[] = [];
  private head = 0;

  constructor(private retention: number) {}

  setRetention(retention: number): void {
    this.retention = retention;
    this.trim();
  }

  get(jobId: string): JobResult | undefined {
    return this.results.get(jobId);
  }

  /** Records a finished job and resolves its watchers. */
  settle(result: JobResult): void {
    const jobId = result.job.id;
    if (this.retention > 0) {
      // Settled again (a retried halted job): it becomes the newest, in the map's order too.
      if (this.results.has(jobId)) this.results.delete(jobId);
      this.results.set(jobId, result);
      this.order.push(result);
      this.trim();
    }
    const watchers = this.watchers.get(jobId);
    if (!watchers) return;
    this.watchers.delete(jobId);
    for (const watcher of watchers) watcher.resolve(result);
  }

  /** Drops the kept result of `jobId` (it runs again: a retried halted job). */
  forget(jobId: string): void {
    this.results.delete(jobId);
  }

  /**
   * Rejects the watchers of `jobId` with `reason` and forgets them: the job will never finish (it
   * was cancelled). A kept result of the job is left as it is.
   */
  cancel(jobId: string, reason: unknown): void {
    const watchers = this.watchers.get(jobId);
    if (!watchers) return;
    this.watchers.delete(jobId);
    for (const watcher of watchers) watcher.reject(reason);
  }

  /** Waits for `jobId` to finish; rejects with the signal's reason when it aborts. */
  wait(jobId: string, signal?: AbortSignal): Promise<JobResult> {
    return new Promise<JobResult>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let set = this.watchers.get(jobId);
      if (!set) {
        set = new Set();
        this.watchers.set(jobId, set);
      }
      const onAbort = () => {
        set.delete(watcher);
        if (set.size === 0 && this.watchers.get(jobId) === set) this.watchers.delete(jobId);
        reject(signal?.reason);
      };
      const watcher: Watcher = {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      set.add(watcher);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Watchers waiting, for tests and stats. */
  get waiting(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  private trim(): void {
    const order = this.order;
    while (this.results.size > this.retention) {
      const oldest = order[this.head++] as JobResult;
      const jobId = oldest.job.id;
      if (this.results.get(jobId) === oldest) this.results.delete(jobId);
    }
    // Drop entries that are out of the map, once they are at least half of the list.
    if (this.head > 1024 && this.head * 2 > order.length) {
      this.order = order.slice(this.head);
      this.head = 0;
    }
    if (this.order.length - this.head > 2 * this.retention + 1024) this.compact();
  }

  /** Rebuilds the list from the map, when results settled again left many stale entries. */
  private compact(): void {
    this.order = [...this.results.values()];
    this.head = 0;
  }
}
