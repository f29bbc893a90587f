/**
 * Document workloads through `createReactor`: counter documents, one INCREMENT per job (reducer,
 * state hash, atomic store write), on the real clock.
 */
import { createReactor, type Reactor, type StorageOption } from '../../src/create-reactor.js';
import { counterModel } from '../../src/examples/counter-model.js';
import { counterActions } from '../../src/examples/example-actions.js';
import type { ExecutorOptions } from '../../src/options.js';
import type { JobInput } from '../../src/types.js';
import { Countdown, cpuMicros, enqueueAll } from './workloads.js';

export type DocumentRun = {
  /** Process CPU time (all threads) per job, µs. */
  cpuMicrosPerJob: number;
  seconds: number;
  jobsPerSecond: number;
  failed: number;
  finalSum: number;
};

/** `count` one-INCREMENT jobs round-robin over `documents` documents `${prefix}doc-i`. */
export function incrementInputs(count: number, documents: number, prefix: string): JobInput[] {
  const inputs = new Array<JobInput>(count);
  for (let i = 0; i < count; i++) {
    inputs[i] = {
      documentId: `${prefix}doc-${i % documents}`,
      scopes: ['global'],
      actions: [counterActions.increment(1)],
    };
  }
  return inputs;
}

/** Creates `documents` counter documents `${prefix}doc-<d>` and waits until they exist. */
export async function createCounterDocuments(
  reactor: Reactor,
  documents: number,
  prefix: string,
): Promise<void> {
  const created = new Countdown(documents);
  const offCreated = reactor.manager.on('jobCompleted', created.tick);
  for (let d = 0; d < documents; d++) {
    await reactor.createDocument({
      documentId: `${prefix}doc-${d}`,
      documentType: counterModel.documentType,
    });
  }
  await created.done;
  offCreated();
}

/**
 * Creates `documents` counter documents (untimed), then times `jobs` INCREMENT jobs from the
 * first enqueue to the last `jobCompleted`/`jobFailed`. Checks the counters add up.
 */
export async function runDocuments(
  storage: StorageOption,
  options: { jobs: number; documents: number; prefix: string; config: ExecutorOptions },
): Promise<DocumentRun> {
  const { jobs, documents, prefix, config } = options;
  const reactor = await createReactor({ models: [counterModel], storage, config });
  try {
    await reactor.start();
    await createCounterDocuments(reactor, documents, prefix);

    const inputs = incrementInputs(jobs, documents, prefix);
    const finished = new Countdown(jobs);
    let failed = 0;
    reactor.manager.on('jobCompleted', finished.tick);
    reactor.manager.on('jobFailed', () => {
      failed++;
      finished.tick();
    });
    const start = performance.now();
    const cpu = process.cpuUsage();
    await enqueueAll(reactor.queue, inputs, 5_000);
    await finished.done;
    const cpuMicrosPerJob = cpuMicros(cpu) / jobs;
    const seconds = (performance.now() - start) / 1000;

    let finalSum = 0;
    for (let d = 0; d < documents; d++) {
      const state = (await reactor.getState(`${prefix}doc-${d}`, 'global')) as { count: number };
      finalSum += state.count;
    }
    return { seconds, jobsPerSecond: jobs / seconds, cpuMicrosPerJob, failed, finalSum };
  } finally {
    await reactor.close();
  }
}
