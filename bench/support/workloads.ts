/**
 * Shared pieces of the benches: job inputs, a no-op executor that checks lane order, and a run of
 * N jobs through a `JobExecutorManager` over the memory adapters, on the real clock.
 */
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { ExecutorOptions } from '../../src/options.js';
import type { HandlerJobInput, IJobExecutor, Job, JobInput, JobResult } from '../../src/types.js';

const TIMESTAMP = '2026-01-01T00:00:00.000Z';

/** `count` one-action jobs, job i on lane `doc-(i % lanes)`, with its per-lane rank in `meta.seq`. */
export function noopInputs(count: number, lanes: number, prefix = 'j'): JobInput[] {
  const inputs = new Array<JobInput>(count);
  for (let i = 0; i < count; i++) {
    const lane = i % lanes;
    inputs[i] = {
      id: `${prefix}${i}`,
      documentId: `doc-${lane}`,
      scopes: ['global'],
      actions: [
        {
          id: `${prefix}a${i}`,
          type: 'NOOP',
          scope: 'global',
          input: {},
          timestampUtcMs: TIMESTAMP,
        },
      ],
      meta: { seq: Math.floor(i / lanes) },
    };
  }
  return inputs;
}

/**
 * A no-op executor that counts per-lane order violations: each lane's jobs must arrive with
 * `meta.seq` 0, 1, 2, … (jobs of lane `documentId`). It never reads `signal`.
 */
export class OrderCheckingNoop implements IJobExecutor {
  violations = 0;
  executed = 0;
  private readonly next = new Map<string, number>();
  /** It never reads its signal: no `AbortController` per job (README: Semantics, "Timeouts"). */
  readonly attemptSignal = true;

  execute = async (job: Job): Promise<JobResult> => {
    this.check(job.documentId, job.meta?.seq as number);
    return { job, success: true, completedAt: '', duration: 0, operations: [] };
  };

  check(lane: string, seq: number): void {
    this.executed++;
    const expected = this.next.get(lane) ?? 0;
    if (seq !== expected) this.violations++;
    this.next.set(lane, seq + 1);
  }
}

/** Resolves when `count` events have been counted. */
export class Countdown {
  private left: number;
  private resolve!: () => void;
  readonly done: Promise<void>;
  constructor(count: number) {
    this.left = count;
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    if (count === 0) this.resolve();
  }
  tick = (): void => {
    if (--this.left === 0) this.resolve();
  };
}

/** Feeds `inputs` to `enqueueMany` in batches. */
export async function enqueueAll<T extends JobInput | HandlerJobInput>(
  queue: { enqueueMany(inputs: T[]): Promise<unknown> },
  inputs: T[],
  batch = 10_000,
): Promise<void> {
  for (let i = 0; i < inputs.length; i += batch)
    await queue.enqueueMany(inputs.slice(i, i + batch));
}

export type ManagerRun = {
  seconds: number;
  jobsPerSecond: number;
  /** CPU time of the process (all threads) per job, in µs: steadier than wall time on a busy machine. */
  cpuMicrosPerJob: number;
  violations: number;
};

/** Process CPU time (user + system, all threads) in µs since `since`. */
export function cpuMicros(since?: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since);
  return usage.user + usage.system;
}

/**
 * Runs `inputs` through a fresh manager over fresh memory adapters (real clock): starts it,
 * then times enqueueing every job until the last `jobCompleted`.
 */
export async function runManager(inputs: JobInput[], config: ExecutorOptions): Promise<ManagerRun> {
  const bus = new MemoryEventBus();
  const queue = new MemoryQueue({ bus });
  const executor = new OrderCheckingNoop();
  const manager = new JobExecutorManager({ queue, bus, executor, config });
  const countdown = new Countdown(inputs.length);
  manager.on('jobCompleted', countdown.tick);
  await manager.start();
  const start = performance.now();
  const cpu = process.cpuUsage();
  await enqueueAll(queue, inputs);
  await countdown.done;
  const cpuMicrosPerJob = cpuMicros(cpu) / inputs.length;
  const seconds = (performance.now() - start) / 1000;
  await manager.stop();
  manager.dispose();
  return {
    seconds,
    jobsPerSecond: inputs.length / seconds,
    cpuMicrosPerJob,
    violations: executor.violations,
  };
}
