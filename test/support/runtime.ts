/** Builds a manager over the memory adapters with a simulated clock and a scripted executor. */
import {
  JobExecutorManager,
  type LaneFailurePolicy,
} from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { ExecutorOptions } from '../../src/options.js';
import type { Action, Job, JobInput } from '../../src/types.js';
import { SimulatedClock, seededRandom } from './clock.js';
import { EventMonitor } from './event-monitor.js';
import { type Script, ScriptedExecutor } from './scripted-executor.js';

export function makeRuntime(
  options: {
    script?: Script;
    config?: ExecutorOptions;
    seed?: number;
    policy?: LaneFailurePolicy;
    resync?: (job: Job) => Promise<unknown>;
  } = {},
) {
  const clock = new SimulatedClock();
  clock.set(1_700_000_000_000);
  const bus = new MemoryEventBus();
  const queue = new MemoryQueue({ bus, clock });
  const executor = new ScriptedExecutor(clock, options.script);
  const errors: unknown[] = [];
  const manager = new JobExecutorManager({
    queue,
    bus,
    executor,
    clock,
    random: seededRandom(options.seed ?? 1),
    config: { laneIdleTimeout: 1_000, ...options.config },
    laneFailurePolicy: options.policy,
    resync: options.resync,
    onError: (error) => errors.push(error),
  });
  const monitor = new EventMonitor(bus);
  return { clock, bus, queue, executor, manager, monitor, errors };
}

let actionCounter = 0;
export function action(scope: string, type = 'NOOP'): Action {
  actionCounter++;
  return {
    id: `a${actionCounter}`,
    type,
    scope,
    input: {},
    timestampUtcMs: new Date(0).toISOString(),
  };
}

export function jobInput(
  id: string,
  documentId: string,
  scopes: string[],
  extra: Partial<JobInput> = {},
): JobInput {
  return {
    id,
    documentId,
    scopes,
    branch: 'main',
    actions: scopes.map((s) => action(s)),
    ...extra,
  };
}
