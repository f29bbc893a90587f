/**
 * Crashes, PostgreSQL: three processes share one schema; one of them SIGKILLs itself at a port
 * boundary drawn from a seeded PRNG (test/support/kill-points.ts), the other two reap its claims,
 * and a replacement joins, carrying the next kill point; after the last point a replacement runs to
 * the end with the others. Then nothing is lost, duplicated, out of order or stuck, and every lane
 * replays to its snapshot.
 *
 *   SERIATIM_CRASH_SEED=<n>  another seed (the default is fixed, so CI is reproducible)
 *   SERIATIM_SOAK=1          many more jobs and kill points (not in CI)
 *
 * The survivors see a dead process's claims as stalled after `stalledThreshold` (1.5 s here) of
 * real time: their clocks cannot run ahead of a live process's heartbeats as the SQLite test's do.
 * Nothing sleeps: the test waits for the processes' exits.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { counterModel, todoModel } from '../../src/examples/index.js';
import { killWorkers, type ProtocolWorker, startProtocolWorker } from '../support/child-worker.js';
import {
  crashSeed,
  drawKillPoints,
  formatKillPoint,
  type KillPoint,
} from '../support/kill-points.js';
import { auditLanes, formatAudit } from '../support/lane-audit.js';
import { crashWorkload, unexpectedErrors } from '../support/multiprocess-workload.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  PG_URL,
  query,
  schemaName,
} from '../support/postgres.js';
import type { PostgresWorkerConfig, PostgresWorkerMessage } from '../support/postgres-worker.js';

const WORKER = fileURLToPath(new URL('../support/postgres-worker.ts', import.meta.url));
const SOAK = process.env.SERIATIM_SOAK === '1';
const SEED = crashSeed(0x9e1a7);
const DOCUMENTS = SOAK ? 200 : 100; // ×3 lanes: global, local, document
const JOBS_PER_DOCUMENT = SOAK ? 100 : 50;
const KILLS = SOAK ? 16 : 4;
const PROCESSES = 3;
const RECOVERY = { heartbeatInterval: 100, stalledThreshold: 1_500, reapInterval: 100 };
const TIMEOUT = SOAK ? 1_800_000 : 180_000;

type Worker = ProtocolWorker<Extract<PostgresWorkerMessage, { event: 'done' }>>;

describe.skipIf(!hasPostgres)('crashes: PostgreSQL, one of three processes SIGKILLed', () => {
  let schema: string;
  let parent: PostgresStorage;
  let workers: Worker[];

  beforeEach(async () => {
    schema = schemaName('crash');
    parent = openStorage(schema, {}, { poolSize: 3 });
    await parent.migrate();
    workers = [];
  });
  afterEach(async () => {
    await killWorkers(workers);
    await parent.close();
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  function start(runnerId: string, killAt: KillPoint | undefined, waitForGo: boolean): Worker {
    const config: PostgresWorkerConfig = {
      url: PG_URL as string,
      schema,
      runnerId,
      storage: { poolSize: 6, ...RECOVERY },
      executor: { maxConcurrency: 8 },
      waitForGo,
      ...(killAt === undefined ? {} : { killAt: formatKillPoint(killAt) }),
    };
    const worker = startProtocolWorker<PostgresWorkerMessage>(WORKER, [JSON.stringify(config)]);
    workers.push(worker);
    return worker;
  }

  it(
    `${KILLS} kills, one process at a time: 0 lost, 0 duplicated, 0 out of order, 0 stuck`,
    async () => {
      const jobs = crashWorkload(DOCUMENTS, JOBS_PER_DOCUMENT);
      await parent.queue.enqueueMany(jobs.map((job) => job.input));
      // A victim runs about a third of the jobs while it lives, and the others run on while its
      // replacement boots (measured: a generation takes 5-7 times the victim's jobs): a third of
      // that share keeps every point in the run.
      const points = drawKillPoints(SEED, KILLS, Math.floor(jobs.length / PROCESSES / 3));

      const first = [
        start('victim-1', points[0], true),
        ...Array.from({ length: PROCESSES - 1 }, (_, i) => start(`proc-${i + 1}`, undefined, true)),
      ];
      await Promise.all(first.map((worker) => worker.ready));
      for (const worker of first) worker.child.stdin?.write('go\n');

      const hit: string[] = [];
      const missed: string[] = [];
      let victim = first[0] as Worker;
      for (let k = 0; k < points.length; k++) {
        const exit = await victim.exit;
        if (exit.signal !== 'SIGKILL') {
          // The run ended before the point was reached.
          expect(exit.code, victim.stderr()).toBe(0);
          missed.push(...points.slice(k).map(formatKillPoint));
          // How far it got: for tuning `callsPerJob` in kill-points.ts.
          console.info(
            '[crash postgres] calls of the last victim',
            JSON.stringify(exit.done?.calls),
          );
          break;
        }
        hit.push(formatKillPoint(points[k] as KillPoint));
        // The replacement carries the next point; after the last one it just runs to the end.
        victim = start(`victim-${k + 2}`, points[k + 1], false);
      }

      const exits = await Promise.all(workers.map((worker) => worker.exit));
      const errors: string[] = [];
      exits.forEach((exit, i) => {
        if (exit.signal === 'SIGKILL') return;
        expect(exit.code, workers[i]?.stderr()).toBe(0);
        errors.push(...(exit.done?.errors ?? []));
      });
      const staleClaims = exits.reduce((n, exit) => n + (exit.done?.staleClaims ?? 0), 0);

      const audit = await auditLanes(
        parent.queue,
        parent.store,
        jobs,
        new ModelRegistry([counterModel, todoModel]),
      );
      const [lanes] = await query<{ n: number }>(
        schema,
        'SELECT count(*)::int AS n FROM job_lanes',
      );
      console.info(
        `[crash postgres] seed ${SEED} (SERIATIM_CRASH_SEED), kills hit ${hit.length}/${points.length}: ` +
          `${hit.join(' ')}${missed.length > 0 ? ` (not reached: ${missed.join(' ')})` : ''}; ` +
          `${workers.length} processes, ${PROCESSES} at a time; stale claims refused ${staleClaims}; ` +
          formatAudit(audit),
      );
      expect(audit.findings).toEqual([]);
      expect(audit).toMatchObject({
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        outOfOrder: 0,
        replayMismatch: 0,
        stuck: 0,
        wrongOutcome: 0,
      });
      expect(lanes?.n, 'lane memberships left').toBe(0);
      expect(await parent.queue.counts()).toMatchObject({ pending: 0, running: 0 });
      expect(unexpectedErrors(errors, jobs)).toEqual([]);
      // The drawn points stay inside the run: every one of them is hit.
      expect(missed).toEqual([]);
    },
    TIMEOUT,
  );
});
