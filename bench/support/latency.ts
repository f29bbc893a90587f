/**
 * Enqueue → `jobStarted` latency through `createReactor` on an otherwise idle runtime: one job at
 * a time (the next is submitted after the previous completed), round-robin over a few documents.
 */
import { createReactor, type Reactor, type StorageOption } from '../../src/create-reactor.js';
import { counterModel } from '../../src/examples/counter-model.js';
import { incrementInputs } from './documents.js';
import { Countdown } from './workloads.js';

/** A job that has not finished this long after its submit is reported, and the bench fails. */
const STUCK_AFTER = 10_000;

async function stuck(reactor: Reactor, jobId: string): Promise<void> {
  const supervisor = reactor.manager.supervisorActor.getSnapshot();
  console.error('stuck job', {
    job: await reactor.queue.get(jobId),
    counts: await reactor.queue.counts(),
    supervisor: { state: supervisor.value, context: supervisor.context },
    residentLanes: reactor.manager.residentLanes,
  });
  process.exit(2);
}

/** Latencies in ms of `samples` jobs after `warmup` unmeasured ones. */
export async function measureStartLatency(
  storage: StorageOption,
  options: { samples: number; warmup: number; documents: number; prefix: string },
): Promise<number[]> {
  const { samples, warmup, documents, prefix } = options;
  const reactor = await createReactor({
    models: [counterModel],
    storage,
    config: { maxConcurrency: 10 },
  });
  try {
    await reactor.start();
    const created = new Countdown(documents);
    const off = reactor.manager.on('jobCompleted', created.tick);
    for (let d = 0; d < documents; d++) {
      await reactor.createDocument({
        documentId: `${prefix}doc-${d}`,
        documentType: counterModel.documentType,
      });
    }
    await created.done;
    off();

    const total = warmup + samples;
    const inputs = incrementInputs(total, documents, prefix);
    const latencies: number[] = [];
    let submittedAt = 0;
    let onStarted: () => void = () => {};
    let onFinished: () => void = () => {};
    reactor.manager.on('jobStarted', () => {
      latencies.push(performance.now() - submittedAt);
      onStarted();
    });
    reactor.manager.on('jobCompleted', () => onFinished());
    reactor.manager.on('jobFailed', () => onFinished());
    for (const input of inputs) {
      const started = new Promise<void>((resolve) => {
        onStarted = resolve;
      });
      const finished = new Promise<void>((resolve) => {
        onFinished = resolve;
      });
      submittedAt = performance.now();
      const job = await reactor.submit(input);
      const watchdog = setTimeout(() => void stuck(reactor, job.id), STUCK_AFTER);
      await started;
      await finished;
      clearTimeout(watchdog);
    }
    return latencies.slice(warmup);
  } finally {
    await reactor.close();
  }
}
