/**
 * Issue 6: exactly one job per tick with 3 processes (postgres). Three OS processes, each a whole
 * reactor on one PostgreSQL schema with the same recurring schedule registered at boot, their
 * simulated clocks stepped in lockstep by this test (`test/support/schedule-worker.ts`): at every
 * tick all three schedulers race for the claim in the database, and exactly one enqueues the job.
 * No sleeps on time: the test waits for the workers' answers and for conditions in the database.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import { createDocumentJob } from '../../src/document/create-action.js';
import { counterModel } from '../../src/examples/index.js';
import type { JobInput } from '../../src/types.js';
import { killWorkers, spawnWorker } from '../support/child-worker.js';
import { waitUntil } from '../support/multiprocess-workload.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  PG_URL,
  query,
  schemaName,
} from '../support/postgres.js';
import type {
  ScheduleWorkerCommand,
  ScheduleWorkerConfig,
  ScheduleWorkerMessage,
} from '../support/schedule-worker.js';

const WORKER = fileURLToPath(new URL('../support/schedule-worker.ts', import.meta.url));
const TIMEOUT = 120_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const EVERY = 10_000; // the cron below: every 10 s
const TICKS = 12;
const SCHEDULE = 'every-10s';
const iso = (ms: number) => new Date(ms).toISOString();

type Done = Extract<ScheduleWorkerMessage, { event: 'done' }>;

/** A child process running the schedule worker, and the messages it printed. */
type Worker = {
  child: ChildProcess;
  runnerId: string;
  /** Resolves with the next message of `event` (in order of arrival). */
  next(event: ScheduleWorkerMessage['event']): Promise<ScheduleWorkerMessage>;
  send(command: ScheduleWorkerCommand): void;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
};

function startWorker(config: ScheduleWorkerConfig): Worker {
  const received: ScheduleWorkerMessage[] = [];
  const waiting: { event: string; resolve: (m: ScheduleWorkerMessage) => void }[] = [];
  const { child, exit, stderr } = spawnWorker<ScheduleWorkerMessage>(
    WORKER,
    [JSON.stringify(config)],
    (message) => {
      const i = waiting.findIndex((w) => w.event === message.event);
      if (i >= 0) waiting.splice(i, 1)[0]?.resolve(message);
      else received.push(message);
    },
  );
  return {
    child,
    runnerId: config.runnerId,
    next(event) {
      const i = received.findIndex((m) => m.event === event);
      if (i >= 0) return Promise.resolve(received.splice(i, 1)[0] as ScheduleWorkerMessage);
      // A worker that dies first must fail the test, not leave it waiting.
      const died = exit.then(({ code, signal }) => {
        throw new Error(
          `worker ${config.runnerId} exited (${code ?? signal}) before '${event}':\n${stderr()}`,
        );
      });
      const message = new Promise<ScheduleWorkerMessage>((resolve) =>
        waiting.push({ event, resolve }),
      );
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`worker ${config.runnerId}: no '${event}' in 60 s:\n${stderr()}`)),
          60_000,
        );
      });
      return Promise.race([message, died, stuck]).finally(() => clearTimeout(timer));
    },
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    },
    exit,
    stderr,
  };
}

describe.skipIf(!hasPostgres)('exactly one job per tick with 3 processes (postgres)', () => {
  let schema: string;
  let parent: PostgresStorage;
  let workers: Worker[];

  beforeEach(async () => {
    schema = schemaName('sched_mp');
    parent = openStorage(schema, {}, { poolSize: 2 });
    await parent.migrate();
    workers = [];
  });
  afterEach(async () => {
    await killWorkers(workers);
    await parent.close();
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  it(
    `three reactors sharing one schedule enqueue exactly one job for each of ${TICKS} ticks`,
    async () => {
      const { documentType, scopes } = counterModel;
      await parent.queue.enqueue(createDocumentJob({ documentId: 'c1', documentType, scopes }));
      // One job input for all three processes (fixed action id), as one application's code is.
      const job: JobInput = {
        documentId: 'c1',
        scopes: ['global'],
        actions: [
          {
            id: 'tick-increment',
            type: 'INCREMENT',
            scope: 'global',
            input: { by: 1 },
            timestampUtcMs: iso(START),
          },
        ],
      };
      const schedule = { id: SCHEDULE, cron: '*/10 * * * * *', job };
      workers = ['proc-a', 'proc-b', 'proc-c'].map((runnerId) =>
        startWorker({ url: PG_URL as string, schema, runnerId, start: START, schedule }),
      );
      await Promise.all(workers.map((worker) => worker.next('ready')));

      const step = async (to: number) => {
        for (const worker of workers) worker.send({ cmd: 'advance', to });
        await Promise.all(workers.map((worker) => worker.next('advanced')));
      };
      for (let tick = 1; tick <= TICKS; tick++) await step(START + tick * EVERY);

      // Jobs are claimed on NOTIFY; polling every `pollInterval` (1 s) of the storage's clock is
      // the backstop. The clocks stand still now, so should the jobs not be done within a few
      // seconds, let simulated time pass in 1 s steps, short of the next tick, and wait again.
      const finished = async () => {
        const counts = await parent.queue.counts();
        return counts.pending === 0 && counts.running === 0;
      };
      let backstop = 0;
      for (;;) {
        const done = await waitUntil(finished, 'every job is finished', 5_000).then(
          () => true,
          () => false,
        );
        if (done) break;
        const unfinished = await query(
          schema,
          "SELECT id, status, runner_id FROM jobs WHERE status IN ('PENDING', 'RUNNING')",
        );
        expect(backstop, `jobs left unfinished: ${JSON.stringify(unfinished)}`).toBeLessThan(9);
        backstop += 1;
        await step(START + TICKS * EVERY + backstop * 1_000);
      }
      if (backstop > 0) console.info(`[schedule multi-process] polling backstop used ${backstop}×`);
      for (const worker of workers) worker.send({ cmd: 'stop' });
      const done = (await Promise.all(workers.map((worker) => worker.next('done')))) as Done[];
      const exits = await Promise.all(workers.map((worker) => worker.exit));

      exits.forEach((exit, i) => {
        expect(exit.code, workers[i]?.stderr()).toBe(0);
      });
      for (const report of done) {
        expect(report.errors, report.runnerId).toEqual([]);
        expect(report.failed, report.runnerId).toBe(0);
      }
      const ticks = Array.from({ length: TICKS }, (_, i) => iso(START + (i + 1) * EVERY));

      // The queue table: one job per tick, for every tick, each completed.
      const perTick = await query<{ tick: string; jobs: number; completed: number }>(
        schema,
        `SELECT meta->>'tickAt' AS tick, count(*)::int AS jobs,
                count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed
         FROM jobs WHERE meta->>'scheduleId' = $1 GROUP BY 1 ORDER BY 1`,
        [SCHEDULE],
      );
      expect(perTick).toEqual(ticks.map((tick) => ({ tick, jobs: 1, completed: 1 })));
      // The processes' own account: the ticks each enqueued add up to every tick, once.
      const won = done.flatMap((report) => report.enqueued);
      expect(won.sort()).toEqual(ticks);
      expect(done.reduce((n, report) => n + report.completed, 0)).toBe(TICKS + 1);
      // The operations: one per tick, in tick order, and the counter counted each tick once.
      const operations = await parent.store.getOperations('c1', 'global', 'main');
      expect(operations.map((operation) => operation.action.id)).toEqual(
        ticks.map((tick) => `tick-increment@${tick}`),
      );
      const snapshot = await parent.store.getSnapshot('c1', 'global', 'main');
      expect(snapshot?.state).toMatchObject({ count: TICKS });
      expect(await parent.scheduleStore.lastTick(SCHEDULE)).toBe(START + TICKS * EVERY);
      console.info(
        `[schedule multi-process] ticks enqueued per process ${done
          .map((report) => `${report.runnerId} ${report.enqueued.length}`)
          .join(' / ')}`,
      );
    },
    TIMEOUT,
  );
});
