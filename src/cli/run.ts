/**
 * One run of the main command: open storage, resume or enqueue the workload, execute it with live
 * progress, then verify and summarise.
 * @module
 */
import type { InspectionEvent, Observer } from 'xstate';
import { createRecorder, type Recorder } from '../adapters/inspect/recorder.js';
import {
  createWebSocketInspector,
  type WebSocketInspector,
} from '../adapters/inspect/websocket-inspector.js';
import type { IQueue, StorageContext } from '../adapters/ports.js';
import { createReactor } from '../create-reactor.js';
import { createLaneStates, type LaneStates } from '../dashboard/lane-states.js';
import { startDashboard } from '../dashboard/server.js';
import type { CliOptions } from './args.js';
import { type OpenedStorage, openStorage, TransientFaultStore } from './open-storage.js';
import { startProgress } from './progress.js';
import { RunTally } from './run-tally.js';
import { formatSummary } from './summary.js';
import { formatVerdict, verifyRun } from './verify.js';
import { buildWorkload, mulberry32, type Workload, workloadModels } from './workload.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Where a run writes and how it is stopped. */
export type RunIo = {
  /** Header, summary and verdict. */
  stdout: Out;
  /** Progress and warnings. */
  stderr: Out;
  /** Aborted: stop gracefully (running attempts finish), summarise, exit 130. */
  interrupt?: AbortSignal;
  /** Aborted after `interrupt`: abort running attempts too (their jobs go back to the queue). */
  force?: AbortSignal;
  /** Opens the storage instead of `--storage` (tests share one memory storage across runs). */
  openStorage?: (ctx: StorageContext) => Promise<OpenedStorage>;
};

const ENQUEUE_BATCH = 100;
const MAX_BACKLOG = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the workload described by `options`; resolves with the exit code: 0 done and verified,
 * 1 verification failed, 130 interrupted.
 */
export async function runMain(options: CliOptions, io: RunIo): Promise<number> {
  const { stdout, stderr } = io;
  const workload = buildWorkload(options);
  const inspectors = openInspectors(options);
  if (inspectors.ws) {
    const page = inspectors.ws.url.replace(/^ws/, 'http');
    stderr.write(
      `inspect: sending to the bridge at ${inspectors.ws.url}. Start it first with \`npm run inspector\`, ` +
        `then open ${page}: that page loads Stately's hosted inspector app (https://stately.ai/inspect), ` +
        'which needs network access and is handed the events\n',
    );
    const connected = await inspectors.ws.waitForConnection(2_000);
    stderr.write(
      connected
        ? `inspect: streaming to ${inspectors.ws.url}\n`
        : `inspect: no inspector bridge at ${inspectors.ws.url} yet; events are buffered and sent once it accepts\n`,
    );
  }
  let opened: OpenedStorage | undefined;
  let faulty: TransientFaultStore | undefined;
  const reactor = await createReactor({
    models: workloadModels,
    config: { maxConcurrency: options.concurrency },
    inspect: inspectors.observer,
    onError: (error) => stderr.write(`\nseriatim: ${(error as Error)?.stack ?? String(error)}\n`),
    async storage(ctx) {
      opened = io.openStorage
        ? await io.openStorage(ctx)
        : await openStorage(options.storage, ctx, (message) => stderr.write(`${message}\n`));
      const inner = opened.storage;
      faulty = new TransientFaultStore(
        inner.store,
        options.faultRate,
        mulberry32(~options.seed),
        opened.label.startsWith('postgres') ? '40001' : 'SQLITE_BUSY',
      );
      return {
        queue: inner.queue,
        store: faulty,
        reaper: inner.reaper,
        start: inner.start ? () => inner.start!() : undefined,
        close: () => inner.close(),
      };
    },
  });
  const total = workload.jobs.length;
  const tally = new RunTally();
  const ours = `${workload.prefix}:`;
  const detach = tally.attach(reactor, (id) => id.startsWith(ours));
  stdout.write(
    `seriatim: ${options.documents} documents, ${total} jobs (seed ${options.seed}) on ${opened!.label}, ` +
      `concurrency ${options.concurrency}, fault rate ${options.faultRate}\n`,
  );

  const enqueued = await enqueuedPrefix(reactor.queue, workload);
  if (enqueued > 0) {
    const { finished, running } = await countStatuses(reactor.queue, workload, enqueued);
    tally.finishedBefore = finished;
    stdout.write(
      tally.finishedBefore === total
        ? `resuming: all ${total} jobs finished in earlier runs; nothing to run, verifying\n`
        : `resuming: ${enqueued} of ${total} jobs were enqueued by an earlier run, ${tally.finishedBefore} of them finished; ` +
            `enqueueing the other ${total - enqueued}\n`,
    );
    if (running > 0) {
      stdout.write(
        `resuming: ${running} jobs are still claimed by a run that did not stop cleanly; the reaper ` +
          'returns them to the queue once their heartbeat is older than the stalled threshold (60 s by default)\n',
      );
    }
  }

  let interrupted = io.interrupt?.aborted ?? false;
  // Said when Ctrl-C is pressed, not once the stop is done, so it comes before "forcing stop".
  let announced = false;
  const announceInterrupt = () => {
    if (announced) return;
    announced = true;
    stderr.write('\ninterrupted: letting running jobs finish…\n');
  };
  io.interrupt?.addEventListener('abort', announceInterrupt, { once: true });
  const finished = new Promise<void>((resolve) => {
    const check = () => {
      if (tally.done >= total || io.interrupt?.aborted) resolve();
    };
    reactor.on('jobCompleted', check);
    reactor.on('jobFailed', check);
    io.interrupt?.addEventListener('abort', check, { once: true });
    check();
  });
  io.force?.addEventListener(
    'abort',
    () => reactor.stop(false).catch((error) => stderr.write(`seriatim: ${String(error)}\n`)),
    { once: true },
  );

  await reactor.start();
  const dashboard =
    options.dashboardPort === undefined
      ? undefined
      : await startDashboard(reactor, {
          port: options.dashboardPort,
          ...(inspectors.laneStates ? { laneStates: inspectors.laneStates } : {}),
        });
  if (dashboard) stderr.write(`dashboard: ${dashboard.pageUrl} (read-only)\n`);
  const progress = startProgress({
    stream: stderr,
    total,
    tally,
    running: () => reactor.manager.supervisorActor.getSnapshot().context.used,
  });
  // A stream, not a dump: keep at most MAX_BACKLOG jobs waiting, so latency measures execution
  // rather than queue depth, and a Ctrl-C leaves little half-done.
  for (let i = enqueued; i < total && !io.interrupt?.aborted; i += ENQUEUE_BATCH) {
    while (i - tally.done > MAX_BACKLOG && !io.interrupt?.aborted) await sleep(5);
    if (io.interrupt?.aborted) break;
    await reactor.queue.enqueueMany(workload.jobs.slice(i, i + ENQUEUE_BATCH));
  }
  await finished;
  interrupted = interrupted || (io.interrupt?.aborted ?? false) || tally.done < total;
  if (interrupted) announceInterrupt();
  await reactor.stop(true);
  progress.stop();
  const elapsedMs = Date.now() - tally.startedAt;
  detach();

  const verdict = await verifyRun(reactor.queue, reactor.store, workload);
  stdout.write(
    `${formatSummary({
      tally,
      verdict,
      expected: workload.expected,
      total,
      elapsedMs,
      injectedFaults: faulty?.faults ?? 0,
      storage: opened!.label,
      interrupted,
      backlog: MAX_BACKLOG,
    })}\n\n${formatVerdict(verdict)}\n`,
  );
  await dashboard?.close();
  await reactor.close();
  await inspectors.close(stderr);
  if (interrupted) return 130;
  return verdict.ok ? 0 : 1;
}

/** How many of the workload's jobs are in the queue: always a prefix, since it is enqueued in order. */
async function enqueuedPrefix(queue: IQueue, workload: Workload): Promise<number> {
  let low = 0;
  let high = workload.jobs.length;
  // Invariant: jobs[0, low) are enqueued, jobs[high, n) are not.
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (await queue.get(workload.jobs[mid]!.id)) low = mid + 1;
    else high = mid;
  }
  return low;
}

async function countStatuses(queue: IQueue, workload: Workload, upTo: number) {
  let finished = 0;
  let running = 0;
  for (const job of workload.jobs.slice(0, upTo)) {
    const status = (await queue.get(job.id))?.status;
    if (status === 'COMPLETED' || status === 'FAILED') finished += 1;
    else if (status === 'RUNNING') running += 1;
  }
  return { finished, running };
}

type Inspectors = {
  ws?: WebSocketInspector;
  recorder?: Recorder;
  /** The lane machines' states, for `--dashboard`. */
  laneStates?: LaneStates;
  observer?: Observer<InspectionEvent>;
  close(stderr: Out): Promise<void>;
};

function openInspectors(options: CliOptions): Inspectors {
  const ws = options.inspect ? createWebSocketInspector({ url: options.inspect }) : undefined;
  const recorder = options.record
    ? createRecorder(options.record, { maxBytes: options.recordMaxMb * 1024 * 1024 })
    : undefined;
  const laneStates = options.dashboardPort === undefined ? undefined : createLaneStates();
  const lanes: Observer<InspectionEvent> | undefined = laneStates && { next: laneStates.inspect };
  const targets = [ws?.inspect, recorder?.inspect, lanes].filter((o) => o !== undefined);
  return {
    ws,
    recorder,
    ...(laneStates ? { laneStates } : {}),
    observer:
      targets.length === 0
        ? undefined
        : {
            next(event) {
              for (const target of targets) target.next?.(event);
            },
          },
    async close(stderr) {
      await ws?.close();
      if (recorder) {
        await recorder.close();
        stderr.write(
          `inspect: recorded ${recorder.count} events to ${options.record}` +
            (recorder.dropped > 0
              ? `, left out ${recorder.dropped} the disk could not keep up with`
              : '') +
            (recorder.truncated
              ? `; stopped at the ${options.recordMaxMb} MiB cap (--record-max-mb)`
              : '') +
            '\n',
        );
      }
    },
  };
}
