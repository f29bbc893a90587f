/**
 * A child process for the multi-process schedule test: a whole reactor (`createReactor`, example
 * counter model) on a PostgreSQL schema, with its own `SimulatedClock`, that registers one
 * recurring schedule at boot, as an application does.
 *
 *   node --import tsx test/support/schedule-worker.ts '<config JSON>'
 *
 * The parent keeps the processes' clocks in lockstep: it sends each the same
 * `{ "cmd": "advance", "to": ms }` line and waits for every `{ event: 'advanced' }` before the next
 * one, so all schedulers reach a tick at the same simulated instant and race for its claim in the
 * database for real. Protocol, one JSON object per line: `{ event: 'ready' }` once the schedule is
 * registered and the reactor started; `{ cmd: 'advance', to }` → `{ event: 'advanced', to }`;
 * `{ cmd: 'stop' }` → closes the reactor, prints `{ event: 'done', … }` and exits 0.
 */
import { createInterface } from 'node:readline';
import { createPostgresStorage } from '../../src/adapters/postgres/index.js';
import { counterModel } from '../../src/examples/index.js';
import { createReactor, type JobInput } from '../../src/index.js';
import { advance, SimulatedClock } from './clock.js';

/** What the parent passes as the argument. */
export type ScheduleWorkerConfig = {
  url: string;
  schema: string;
  runnerId: string;
  /** The simulated clock's start (ms since epoch). */
  start: number;
  schedule: { id: string; cron: string; job: JobInput };
};

/** A line the worker prints. */
export type ScheduleWorkerMessage =
  | { event: 'ready'; runnerId: string }
  | { event: 'advanced'; runnerId: string; to: number }
  | {
      event: 'done';
      runnerId: string;
      /** Ticks (ISO) whose job this process enqueued: as the claim's winner, or a loser first to the queue. */
      enqueued: string[];
      completed: number;
      failed: number;
      errors: string[];
    };

/** A line the parent sends. */
export type ScheduleWorkerCommand = { cmd: 'advance'; to: number } | { cmd: 'stop' };

/** An id that names no schedule and no job (see the barrier below). */
const BARRIER = 'schedule-worker-barrier';

const [json] = process.argv.slice(2);
if (json === undefined) {
  console.error('usage: schedule-worker.ts <config JSON>');
  process.exit(2);
}
const config = JSON.parse(json) as ScheduleWorkerConfig;
const { runnerId } = config;
const send = (message: ScheduleWorkerMessage) =>
  process.stdout.write(`${JSON.stringify(message)}\n`);

const errors: string[] = [];
const describeError = (error: unknown) =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

const clock = new SimulatedClock();
clock.set(config.start);
const reactor = await createReactor({
  models: [counterModel],
  clock,
  runnerId,
  // No scheduleStore option: the PostgreSQL storage's own schedule store is the one under test.
  storage: (ctx) => createPostgresStorage(config.url, ctx, { schema: config.schema, poolSize: 4 }),
  // The simulated clock only moves when the parent says so; a generous timeout keeps an attempt
  // that spans a few steps of real time from timing out in simulated time.
  config: { jobTimeout: 3_600_000 },
  onError: (error) => errors.push(describeError(error)),
});

// Observe (not change) which ticks this process enqueues: the scheduler calls this queue object.
const enqueued: string[] = [];
const enqueue = reactor.queue.enqueue.bind(reactor.queue);
reactor.queue.enqueue = async (input) => {
  const job = await enqueue(input);
  if (job.meta?.scheduleId === config.schedule.id) enqueued.push(String(job.meta.tickAt));
  return job;
};

let completed = 0;
let failed = 0;
reactor.manager.on('jobCompleted', () => {
  completed += 1;
});
reactor.manager.on('jobFailed', ({ job, error }) => {
  failed += 1;
  errors.push(`job ${job.id} failed: ${error.codeName} ${error.message}`);
});

await reactor.scheduler.scheduleRecurring(config.schedule);
await reactor.start();
send({ event: 'ready', runnerId });

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as ScheduleWorkerCommand;
  if (command.cmd === 'advance') {
    await advance(clock, command.to - clock.now());
    // Barrier: the Scheduler runs its work (ticks, registrations, cancels) one after another, so
    // a cancel of an id that names nothing resolves once the tick the clock just fired is done —
    // claimed and enqueued, or lost to another process — and the next tick's timer is armed.
    // Without it the next step could move the clock before this process re-armed its timer.
    await reactor.scheduler.cancel(BARRIER);
    send({ event: 'advanced', runnerId, to: command.to });
  } else if (command.cmd === 'stop') {
    break;
  }
}

await reactor.close();
send({ event: 'done', runnerId, enqueued, completed, failed, errors });
process.exit(0);
