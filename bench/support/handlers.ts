/**
 * Handler-job workloads through `createReactor` (README: Handler jobs): a no-op handler over keyed
 * lanes that checks each key's jobs arrive in enqueue order, on the real clock.
 */
import { createReactor, type StorageOption } from '../../src/create-reactor.js';
import type { ExecutorOptions } from '../../src/options.js';
import type { HandlerJobInput } from '../../src/types.js';
import { Countdown, cpuMicros, enqueueAll } from './workloads.js';

/** `count` jobs of handler `noop`, job i on key `${prefix}key-(i % keys)` with its rank there. */
export function handlerInputs(count: number, keys: number, prefix: string): HandlerJobInput[] {
  const inputs = new Array<HandlerJobInput>(count);
  for (let i = 0; i < count; i++) {
    inputs[i] = {
      id: `${prefix}${i}`,
      handler: 'noop',
      input: { seq: Math.floor(i / keys) },
      keys: [`${prefix}key-${i % keys}`],
    };
  }
  return inputs;
}

export type HandlerRun = {
  seconds: number;
  jobsPerSecond: number;
  /** Process CPU time (all threads) per job, µs. */
  cpuMicrosPerJob: number;
  /** Handler calls whose rank on their key was not the next one (out of order, repeated, skipped). */
  violations: number;
  /** Handler calls; equals the job count when every job ran once. */
  executed: number;
  failed: number;
};

/**
 * Starts a reactor on `storage` with the no-op handler, then times enqueueing `inputs` until the
 * last `jobCompleted`/`jobFailed`.
 */
export async function runHandlers(
  storage: StorageOption | undefined,
  inputs: HandlerJobInput[],
  options: { config: ExecutorOptions; batch?: number },
): Promise<HandlerRun> {
  const reactor = await createReactor({
    models: [],
    config: options.config,
    ...(storage === undefined ? {} : { storage }),
  });
  try {
    let violations = 0;
    let executed = 0;
    let failed = 0;
    const next = new Map<string, number>();
    reactor.registerHandler('noop', (input, { job }) => {
      const key = job.keys?.[0] as string;
      const seq = (input as { seq: number }).seq;
      executed++;
      if ((next.get(key) ?? 0) !== seq) violations++;
      next.set(key, seq + 1);
      return undefined;
    });
    const finished = new Countdown(inputs.length);
    reactor.on('jobCompleted', finished.tick);
    reactor.on('jobFailed', () => {
      failed++;
      finished.tick();
    });
    await reactor.start();
    const start = performance.now();
    const cpu = process.cpuUsage();
    await enqueueAll(reactor.queue, inputs, options.batch);
    await finished.done;
    const cpuMicrosPerJob = cpuMicros(cpu) / inputs.length;
    const seconds = (performance.now() - start) / 1000;
    return {
      seconds,
      jobsPerSecond: inputs.length / seconds,
      cpuMicrosPerJob,
      violations,
      executed,
      failed,
    };
  } finally {
    await reactor.close();
  }
}
