/**
 * P4 — PostgreSQL at SERIATIM_PG_URL, the P2 workload at a smaller size: counter INCREMENT jobs
 * through `createReactor({ storage: { postgres } })`. Skipped with a line saying why while the
 * adapter is not there or no URL is set. Document ids are unique per process, so the database
 * may be reused. Median of RUNS runs after a warm-up.
 *
 * With PROCESSES > 1 (row P4-<n>p), n reactors share the database: this process and n - 1
 * workers (`p4-worker.ts`). This process creates the documents (untimed), then times enqueueing
 * every job until none is pending or running (polling `backlog()` every 10 ms); CPU µs/job adds
 * up the CPU time of every process over the timed part.
 *
 *   SERIATIM_PG_URL=postgres://… npx tsx bench/p4-postgres-documents.ts [jobs=10000] [documents=1000] [runs=3] [processes=1]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createReactor } from '../src/create-reactor.js';
import { counterModel } from '../src/examples/counter-model.js';
import type { P4WorkerConfig, P4WorkerMessage } from './p4-worker.js';
import {
  createCounterDocuments,
  type DocumentRun,
  incrementInputs,
  runDocuments,
} from './support/documents.js';
import { begin, fmt, report, skip } from './support/report.js';
import { median, round } from './support/stats.js';
import { findStorageFactory } from './support/storage-entry.js';
import { cpuMicros, enqueueAll } from './support/workloads.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const DOCUMENTS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 3));
const PROCESSES = Math.max(1, Number(process.argv[5] ?? 1));
const config = { maxConcurrency: 100 };
const id = PROCESSES === 1 ? 'P4' : `P4-${PROCESSES}p`;
const workload =
  `postgres, ${fmt(JOBS)} counter INCREMENT jobs / ${fmt(DOCUMENTS)} documents, cap 100` +
  (PROCESSES === 1 ? '' : ` per process, ${PROCESSES} processes`);
const url = process.env.SERIATIM_PG_URL;

begin();
const entry = await findStorageFactory('postgres');
if (!entry.ok) skip(id, workload, entry.reason);
else if (!url) skip(id, workload, 'SERIATIM_PG_URL is not set');
else {
  const tag = `p4${Date.now().toString(36)}`;
  const run = (jobs: number, prefix: string) =>
    PROCESSES === 1
      ? runDocuments({ postgres: url }, { jobs, documents: DOCUMENTS, prefix, config })
      : runShared(url, { jobs, documents: DOCUMENTS, prefix, processes: PROCESSES });
  await run(Math.min(JOBS, 2_000), `${tag}w`);
  const rates: number[] = [];
  const cpu: number[] = [];
  let failed = 0;
  for (let i = 0; i < RUNS; i++) {
    const result = await run(JOBS, `${tag}r${i}`);
    rates.push(result.jobsPerSecond);
    cpu.push(result.cpuMicrosPerJob);
    failed += result.failed + (result.finalSum === JOBS ? 0 : 1);
  }
  report({
    id,
    workload,
    result: `${fmt(median(rates))} jobs/s`,
    goal: PROCESSES === 1 ? '≥ 5,000 jobs/s' : '',
    detail: {
      'CPU µs/job': round(median(cpu), 3),
      runs: RUNS,
      'failed jobs or wrong counts': failed,
    },
    data: { jobs: JOBS, documents: DOCUMENTS, processes: PROCESSES, rates, cpu, failed },
  });
}

/** A worker process and its messages. */
type Worker = { child: ChildProcess; ready: Promise<void>; done: Promise<P4WorkerMessage> };

function startWorker(workerConfig: P4WorkerConfig): Worker {
  const script = fileURLToPath(new URL('p4-worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(workerConfig)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let onReady: () => void = () => {};
  let onDone: (message: P4WorkerMessage) => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const done = new Promise<P4WorkerMessage>((resolve) => {
    onDone = resolve;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const message = JSON.parse(line) as P4WorkerMessage;
    if (message.event === 'ready') onReady();
    else onDone(message);
  });
  child.on('exit', (code) => {
    if (code !== 0) throw new Error(`P4 worker exited with ${code}`);
  });
  return { child, ready, done };
}

/**
 * One run over `processes` reactors: this one creates the documents, the workers join, and the
 * jobs are timed from the first enqueue until nothing is pending or running.
 */
async function runShared(
  connectionString: string,
  options: { jobs: number; documents: number; prefix: string; processes: number },
): Promise<DocumentRun> {
  const { jobs, documents, prefix, processes } = options;
  const reactor = await createReactor({
    models: [counterModel],
    storage: { postgres: connectionString },
    config,
    runnerId: `${prefix}-p0`,
  });
  const workers: Worker[] = [];
  try {
    await reactor.start();
    await createCounterDocuments(reactor, documents, prefix);

    for (let p = 1; p < processes; p++) {
      workers.push(startWorker({ url: connectionString, runnerId: `${prefix}-p${p}`, config }));
    }
    await Promise.all(workers.map((worker) => worker.ready));
    let failed = 0;
    reactor.manager.on('jobFailed', () => failed++);

    for (const worker of workers) worker.child.stdin?.write('go\n');
    const start = performance.now();
    const cpu = process.cpuUsage();
    await enqueueAll(reactor.queue, incrementInputs(jobs, documents, prefix), 5_000);
    while ((await reactor.queue.backlog()) > 0 || (await reactor.queue.counts()).running > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (performance.now() - start) / 1000;
    let cpuTotal = cpuMicros(cpu);
    for (const worker of workers) worker.child.stdin?.write('stop\n');
    for (const message of await Promise.all(workers.map((worker) => worker.done))) {
      if (message.event !== 'done') continue;
      cpuTotal += message.cpuMicros;
      failed += message.failed;
    }

    let finalSum = 0;
    for (let d = 0; d < documents; d++) {
      const state = (await reactor.getState(`${prefix}doc-${d}`, 'global')) as { count: number };
      finalSum += state.count;
    }
    return {
      seconds,
      jobsPerSecond: jobs / seconds,
      cpuMicrosPerJob: cpuTotal / jobs,
      failed,
      finalSum,
    };
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.stdin?.end();
    await reactor.close();
  }
}
