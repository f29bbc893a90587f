/**
 * The workload the peers share with P4 and P7-PG: `jobs` jobs round-robin over `lanes` lanes (job i
 * on lane i % lanes, rank floor(i / lanes) there), at most 100 running at once. A peer's no-op
 * handler reports each job to a {@link LaneOrder}, which counts the calls and every call whose rank
 * is not its lane's next one (out of order, repeated or skipped).
 */
import { Countdown } from '../support/workloads.js';

export type PeerWorkload = { jobs: number; lanes: number; concurrency: number };

/** What one timed run of a peer measured. */
export type PeerRun = {
  seconds: number;
  jobsPerSecond: number;
  /** This process's CPU time (all threads) per job, µs; the PostgreSQL server's is not in it. */
  cpuMicrosPerJob: number;
  /** Handler calls. */
  executed: number;
  /** Handler calls out of their lane's order. */
  violations: number;
  /** Jobs the peer's tables still hold as not completed when the run ended (0 when all finished). */
  unfinished: number;
};

/** The job i of a run: its lane and its rank on it. */
export function laneOf(i: number, lanes: number): { lane: number; seq: number } {
  return { lane: i % lanes, seq: Math.floor(i / lanes) };
}

/** Counts handler calls and order violations per lane; `done` resolves after `jobs` calls. */
export class LaneOrder {
  executed = 0;
  violations = 0;
  private readonly next: number[];
  private readonly countdown: Countdown;
  readonly done: Promise<void>;

  constructor(jobs: number, lanes: number) {
    this.next = new Array<number>(lanes).fill(0);
    this.countdown = new Countdown(jobs);
    this.done = this.countdown.done;
  }

  record(lane: number, seq: number): void {
    this.executed++;
    if (this.next[lane] !== seq) this.violations++;
    this.next[lane] = seq + 1;
    this.countdown.tick();
  }
}

/**
 * Polls `unfinished` every 5 ms until it reports 0 or `timeoutMs` passes; returns the last count.
 * A peer's handler returns before its completion is written, so a run ends when its tables say so.
 */
export async function settled(
  unfinished: () => Promise<number>,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = await unfinished();
    if (left === 0 || performance.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Rejects after `ms` with `what` in the message: a peer that stops running jobs ends the bench. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
