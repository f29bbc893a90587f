import { describe, expect, it } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IJobExecutor, JobInput } from '../../src/types.js';

describe('event loop turns', () => {
  it('lets timers run while an in-process backlog drains (no endless microtask chain)', async () => {
    const bus = new MemoryEventBus();
    const queue = new MemoryQueue({ bus });
    // Resolves at once, like an in-memory store: without turns the whole backlog is one chain.
    const executor: IJobExecutor = {
      execute: async (job) => ({
        job,
        success: true,
        completedAt: '',
        duration: 0,
        operations: [],
      }),
    };
    const manager = new JobExecutorManager({
      queue,
      bus,
      executor,
      config: { maxConcurrency: 50 },
    });
    const total = 20_000;
    let completed = 0;
    manager.on('jobCompleted', () => {
      completed++;
    });
    const inputs: JobInput[] = Array.from({ length: total }, (_, i) => ({
      documentId: `d${i % 500}`,
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
    }));
    await queue.enqueueMany(inputs);
    let completedWhenTimerRan = -1;
    const timerRan = new Promise<void>((resolve) =>
      setTimeout(() => {
        completedWhenTimerRan = completed;
        resolve();
      }, 0),
    );
    await manager.start();
    await timerRan;
    expect(completedWhenTimerRan).toBeLessThan(total);
    while (completed < total) await new Promise((resolve) => setImmediate(resolve));
    await manager.stop();
    manager.dispose();
    expect(completed).toBe(total);
  });
});
