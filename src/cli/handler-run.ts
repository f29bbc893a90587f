/**
 * `npm start -- --workload handlers`: a seeded stream of handler jobs over keyed lanes (README:
 * Handler jobs). The handler simulates I/O (a few ms of latency) and transient failures (a throw
 * with probability `--fault-rate`, retried); every fourth job is stateful, in 2 or 3 segments
 * (each saves a checkpoint and returns `ctx.wait`, README: Handler jobs, "Stateful handlers").
 * The run shows progress, prints a summary and verifies that every job completed, that each ran
 * to success exactly once after all its segments, and that the jobs of every key ran one at a
 * time in enqueue order, sleeping ones included. A second run on the same SQLite file resumes.
 * @module
 */
import type { StorageContext } from '../adapters/ports.js';
import { createReactor } from '../create-reactor.js';
import type { HandlerJobInput, JobInput } from '../types.js';
import type { CliOptions } from './args.js';
import { type OpenedStorage, openStorage } from './open-storage.js';
import { startProgress } from './progress.js';
import type { RunIo } from './run.js';
import { RunTally } from './run-tally.js';
import { mulberry32 } from './workload.js';

type HandlerWorkJob = HandlerJobInput & {
  id: string;
  keys: string[];
  input: { n: number; segments: number };
};

/**
 * The jobs of `seed`: each on one of `keys` keys, every tenth on two, every 25th on none; every
 * fourth in 2 or 3 segments (stateful), the others in one.
 */
export function buildHandlerWorkload(seed: number, keys: number, jobs: number): HandlerWorkJob[] {
  const random = mulberry32(seed);
  const prefix = `h${seed}-k${keys}-j${jobs}`;
  return Array.from({ length: jobs }, (_, n) => {
    const first = `key-${Math.floor(random() * keys)}`;
    const second = `key-${Math.floor(random() * keys)}`;
    const chosen =
      n % 25 === 24 ? [] : n % 10 === 0 && second !== first ? [first, second] : [first];
    const segments = n % 4 === 3 ? 2 + (n % 2) : 1;
    return { id: `${prefix}:${n}`, handler: 'simulated-io', input: { n, segments }, keys: chosen };
  });
}

export async function runHandlerWorkload(options: CliOptions, io: RunIo): Promise<number> {
  const { stdout, stderr } = io;
  const jobs = buildHandlerWorkload(options.seed, options.documents, options.jobs);
  const random = mulberry32(~options.seed);
  let opened: OpenedStorage | undefined;
  const reactor = await createReactor({
    models: [],
    // Enough retries that the simulated faults never exhaust them: every job is meant to complete.
    config: {
      maxConcurrency: options.concurrency,
      maxRetries: 10,
      retryBaseDelay: 5,
      retryMaxDelay: 50,
    },
    onError: (error) => stderr.write(`\nseriatim: ${(error as Error)?.stack ?? String(error)}\n`),
    async storage(ctx: StorageContext) {
      opened = io.openStorage
        ? await io.openStorage(ctx)
        : await openStorage(options.storage, ctx, (message) => stderr.write(`${message}\n`));
      return opened.storage;
    },
  });
  /** Per key, the job holding it during an attempt; violations found on the way. */
  const holders = new Map<string, string>();
  const successes = new Map<string, number>();
  const startOrder = new Map<string, number>();
  const violations: string[] = [];
  let runs = 0;
  let waits = 0;
  reactor.on('jobWaiting', () => {
    waits += 1;
  });
  reactor.registerHandler('simulated-io', async (input: { n: number; segments?: number }, ctx) => {
    const { job } = ctx;
    const { n, segments = 1 } = input;
    const segment = segments > 1 ? ((await ctx.checkpoint.load<number>()) ?? 0) : 0;
    for (const key of job.keys ?? []) {
      const holder = holders.get(key);
      if (holder !== undefined) violations.push(`${job.id} ran beside ${holder} on ${key}`);
      holders.set(key, job.id);
    }
    if (!startOrder.has(job.id)) startOrder.set(job.id, runs);
    runs += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 4)));
      if (random() < options.faultRate) throw new Error('simulated transient failure');
      if (segment + 1 < segments) {
        await ctx.checkpoint.save(segment + 1);
        return ctx.wait({ delay: Math.floor(random() * 4) });
      }
      successes.set(job.id, (successes.get(job.id) ?? 0) + 1);
      return { n, segments: segment + 1 };
    } finally {
      for (const key of job.keys ?? []) if (holders.get(key) === job.id) holders.delete(key);
    }
  });
  const tally = new RunTally();
  const prefix = jobs[0]?.id.split(':')[0] ?? '';
  const detach = tally.attach(reactor, (id) => id.startsWith(`${prefix}:`));
  stdout.write(
    `seriatim: ${jobs.length} handler jobs over ${options.documents} keys (seed ${options.seed}) on ${opened!.label}, ` +
      `concurrency ${options.concurrency}, fault rate ${options.faultRate}\n`,
  );
  // Resume: jobs stored by an earlier run are not enqueued again.
  const missing: HandlerWorkJob[] = [];
  for (const job of jobs) {
    const stored = await reactor.queue.get(job.id);
    if (stored === undefined) missing.push(job);
    else if (stored.status === 'COMPLETED' || stored.status === 'FAILED') tally.finishedBefore += 1;
  }
  if (missing.length < jobs.length) {
    stdout.write(
      `resuming: ${jobs.length - missing.length} jobs were enqueued by an earlier run\n`,
    );
  }
  const finished = new Promise<void>((resolve) => {
    const check = () => {
      if (tally.done >= jobs.length || io.interrupt?.aborted) resolve();
    };
    reactor.on('jobCompleted', check);
    reactor.on('jobFailed', check);
    io.interrupt?.addEventListener('abort', check, { once: true });
    check();
  });
  const progress = startProgress({
    stream: stderr,
    total: jobs.length,
    tally,
    running: () => holders.size,
  });
  await reactor.start();
  for (let i = 0; i < missing.length; i += 100) {
    await reactor.queue.enqueueMany(missing.slice(i, i + 100) as unknown as JobInput[]);
  }
  await finished;
  progress.stop();
  await reactor.stop();
  detach();

  const problems = [...violations];
  let completed = 0;
  for (const job of jobs) {
    const stored = await reactor.queue.get(job.id);
    if (stored?.status === 'COMPLETED') {
      completed += 1;
      const output = stored.output as { segments?: number } | undefined;
      // Resumed from its checkpoints: it ran all its segments (an earlier run's jobs included).
      if ((output?.segments ?? 1) !== job.input.segments) {
        problems.push(
          `${job.id} completed after ${output?.segments} of ${job.input.segments} segments`,
        );
      }
    } else if (!io.interrupt?.aborted) problems.push(`${job.id} is ${stored?.status ?? 'missing'}`);
    if ((successes.get(job.id) ?? 0) > 1) problems.push(`${job.id} succeeded twice`);
  }
  // Per key, the jobs this run started began in enqueue order.
  const lastStart = new Map<string, [string, number]>();
  for (const job of jobs) {
    const at = startOrder.get(job.id);
    if (at === undefined) continue;
    for (const key of job.keys) {
      const previous = lastStart.get(key);
      if (previous !== undefined && previous[1] > at) {
        problems.push(`${key}: ${job.id} started before ${previous[0]}`);
      }
      lastStart.set(key, [job.id, at]);
    }
  }
  await reactor.close();
  const seconds = Math.max(0.001, (Date.now() - tally.startedAt) / 1000);
  stdout.write(
    `handler jobs: ${completed}/${jobs.length} completed, ${tally.failed} failed, ${tally.retries} retries ` +
      `of ${runs} runs, ${waits} waits, ${Math.round((tally.completed + tally.failed) / seconds)} jobs/s\n`,
  );
  if (io.interrupt?.aborted) {
    stdout.write('interrupted: the rest stays queued for the next run\n');
    return 130;
  }
  if (problems.length > 0) {
    stdout.write(
      `verification FAILED (${problems.length}):\n  ${problems.slice(0, 20).join('\n  ')}\n`,
    );
    return 1;
  }
  stdout.write(
    `verified: every job completed once, after all its segments; every key ran its jobs one at a time, in enqueue order\n`,
  );
  return 0;
}
