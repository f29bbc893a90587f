/**
 * The plain-JS baseline: the same guarantees as the runtime's happy path (jobs of a lane run in
 * enqueue order, one at a time; at most `cap` run at once) with nothing else — no retries, no
 * timeouts, no events, no queue states. Each lane is a promise chain; a FIFO semaphore holds the
 * global cap. It runs the same executor on the same inputs, so the ratio seriatim / baseline is
 * the cost of everything the runtime adds, measured on the same machine in the same run.
 */
import { laneKey } from '../../src/lane-key.js';
import type { IJobExecutor, Job, JobInput } from '../../src/types.js';
import { cpuMicros } from './workloads.js';

class Semaphore {
  private waiting: (() => void)[] = [];
  private head = 0;
  constructor(private free: number) {}

  acquire(): Promise<void> | undefined {
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      next();
    } else {
      this.free++;
    }
  }
}

/** Runs every input once through `executor` with per-lane order and a global cap; resolves when all finished. */
export async function runBaseline(
  inputs: JobInput[],
  executor: IJobExecutor,
  cap: number,
): Promise<{ seconds: number; jobsPerSecond: number; cpuMicrosPerJob: number }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const semaphore = new Semaphore(cap);
  const tails = new Map<string, Promise<void>>();
  const all: Promise<void>[] = [];
  let createdAt = Date.now();
  for (const input of inputs) {
    const job: Job = {
      id: input.id!,
      documentId: input.documentId,
      scopes: input.scopes,
      branch: input.branch ?? 'main',
      actions: input.actions,
      status: 'PENDING',
      createdAt: createdAt++,
      attempts: 0,
      meta: input.meta,
    };
    const key = laneKey(job.documentId, job.scopes[0]!, job.branch);
    const previous = tails.get(key);
    const run = async () => {
      if (previous) await previous;
      const wait = semaphore.acquire();
      if (wait) await wait;
      try {
        await executor.execute(job);
      } finally {
        semaphore.release();
      }
    };
    const tail = run();
    tails.set(key, tail);
    all.push(tail);
  }
  await Promise.all(all);
  const cpuMicrosPerJob = cpuMicros(cpu) / inputs.length;
  const seconds = (performance.now() - start) / 1000;
  return { seconds, jobsPerSecond: inputs.length / seconds, cpuMicrosPerJob };
}
