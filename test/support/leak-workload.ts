/**
 * Leak workload, run in a child process with `--expose-gc`: pushes N no-op jobs over L lanes
 * through the manager (memory adapters, simulated clock), lets the lanes' idle period pass, and
 * prints resident lanes and heap growth as JSON.
 */
import { SimulatedClock } from 'xstate';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IJobExecutor, JobInput } from '../../src/types.js';

const JOBS = Number(process.argv[2] ?? 200_000);
const LANES = Number(process.argv[3] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const clock = new SimulatedClock();
const bus = new MemoryEventBus();
// Bounded retention, so the numbers show leaks rather than the (configurable) history kept.
const queue = new MemoryQueue({ bus, clock, retainFinished: 1_000 });
const noop: IJobExecutor = {
  execute: async (job) => ({ job, success: true, completedAt: '', duration: 0, operations: [] }),
};
const manager = new JobExecutorManager({
  queue,
  bus,
  executor: noop,
  clock,
  config: {
    maxConcurrency: 100,
    laneIdleTimeout: 1_000,
    maxResidentLanes: 1_000,
    resultRetention: 1_000,
  },
});

let completed = 0;
manager.on('jobCompleted', () => {
  completed++;
});

function batch(from: number, count: number): JobInput[] {
  const inputs: JobInput[] = [];
  for (let i = from; i < from + count; i++) {
    const lane = i % LANES;
    inputs.push({
      documentId: `doc-${lane}`,
      scopes: ['global'],
      actions: [
        {
          id: `a${i}`,
          type: 'NOOP',
          scope: 'global',
          input: {},
          timestampUtcMs: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
  }
  return inputs;
}

async function run(count: number, offset: number) {
  const target = completed + count;
  for (let i = 0; i < count; i += 10_000)
    await queue.enqueueMany(batch(offset + i, Math.min(10_000, count - i)));
  while (completed < target) await new Promise((resolve) => setImmediate(resolve));
  clock.increment(1_001); // the idle period passes: the registry's sweep stops idle lanes
  await new Promise((resolve) => setImmediate(resolve));
}

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

await manager.start();
await run(Math.min(JOBS, 20_000), 0); // warm-up: JIT, pools, maps at their working size
const before = heap();
const start = performance.now();
await run(JOBS, 1_000_000);
const seconds = (performance.now() - start) / 1000;
const after = heap();
await manager.stop();
console.log(
  JSON.stringify({
    jobs: JOBS,
    lanes: LANES,
    completed,
    residentLanes: manager.residentLanes,
    heapBeforeMB: before / 2 ** 20,
    heapAfterMB: after / 2 ** 20,
    heapGrowthMB: (after - before) / 2 ** 20,
    jobsPerSecond: Math.round(JOBS / seconds),
  }),
);
manager.dispose();
