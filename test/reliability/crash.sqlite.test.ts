/**
 * Crashes, SQLite: one process on a file enqueues and runs the workload and SIGKILLs itself at a
 * port boundary drawn from a seeded PRNG (test/support/kill-points.ts); a new process on the same
 * file reaps the dead one's claims, enqueues the batches still missing, runs on, and is killed at
 * the next point; the last one runs to the end.
 * Then nothing is lost, duplicated, out of order or stuck, and every lane replays to its snapshot.
 *
 *   SERIATIM_CRASH_SEED=<n>  another seed (the default is fixed, so CI is reproducible)
 *   SERIATIM_SOAK=1          many more jobs and kill points (not in CI)
 *
 * No waiting on time: each restarted process's clock is ahead of the last one's by more than
 * `stalledThreshold`, so its first reap takes every claim the dead process held.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import { createSqliteStorage, type SqliteStorage } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { counterModel, todoModel } from '../../src/examples/index.js';
import { killWorkers, type ProtocolWorker, startProtocolWorker } from '../support/child-worker.js';
import {
  crashSeed,
  drawKillPoints,
  formatKillPoint,
  KILL_SITES,
  type KillPoint,
  producerKillSites,
} from '../support/kill-points.js';
import { auditLanes, formatAudit } from '../support/lane-audit.js';
import { crashWorkload, unexpectedErrors } from '../support/multiprocess-workload.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';
import { laneBookkeepingErrors, openRaw } from '../support/sqlite-inspect.js';
import type { SqliteWorkerConfig, SqliteWorkerMessage } from '../support/sqlite-worker.js';

const WORKER = fileURLToPath(new URL('../support/sqlite-worker.ts', import.meta.url));
const SOAK = process.env.SERIATIM_SOAK === '1';
const SEED = crashSeed(0x5e1a7);
const DOCUMENTS = SOAK ? 200 : 60; // ×3 lanes: global, local, document
const JOBS_PER_DOCUMENT = SOAK ? 100 : 50;
const KILLS = SOAK ? 40 : 6;
/** Each process's clock is this much ahead of its predecessor's: past `stalledThreshold` (60 s). */
const CLOCK_STEP = 3_600_000;
const TIMEOUT = SOAK ? 1_800_000 : 120_000;
/** The process also enqueues the jobs, in batches, as the queue drains (see `enqueueMissing`). */
const PRODUCE = { batchSize: 100, lowWater: 300 };

type Worker = ProtocolWorker<Extract<SqliteWorkerMessage, { event: 'done' }>>;

describe('crashes: SQLite, one process SIGKILLed at port boundaries and restarted', () => {
  let path: string;
  let parent: SqliteStorage;
  let workers: Worker[];

  beforeEach(() => {
    path = tempDbPath('seriatim-crash-');
    parent = createSqliteStorage(path, {
      bus: new MemoryEventBus(),
      clock: systemClock,
      runnerId: 'test',
    });
    workers = [];
  });
  afterEach(async () => {
    await killWorkers(workers);
    await parent.close();
    removeDb(path);
  });

  function start(generation: number, killAt: KillPoint | undefined, jobsFile: string): Worker {
    const config: SqliteWorkerConfig = {
      runnerId: `gen-${generation}`,
      clockOffset: generation * CLOCK_STEP,
      // The first reap right after start; heartbeats and threshold at their defaults.
      storage: { reapInterval: 20 },
      produce: { file: jobsFile, ...PRODUCE },
      ...(killAt === undefined ? {} : { killAt: formatKillPoint(killAt) }),
    };
    const worker = startProtocolWorker<SqliteWorkerMessage>(WORKER, [path, JSON.stringify(config)]);
    workers.push(worker);
    return worker;
  }

  it(
    `${KILLS} kills at drawn port boundaries: 0 lost, 0 duplicated, 0 out of order, 0 stuck`,
    async () => {
      const jobs = crashWorkload(DOCUMENTS, JOBS_PER_DOCUMENT);
      const jobsFile = join(dirname(path), 'jobs.json');
      writeFileSync(jobsFile, JSON.stringify(jobs.map((job) => job.input)));
      const points = drawKillPoints(SEED, KILLS, jobs.length, [
        ...KILL_SITES,
        ...producerKillSites(PRODUCE.batchSize),
      ]);

      const hit: string[] = [];
      const missed: string[] = [];
      const errors: string[] = [];
      let generation = 0;
      for (const point of points) {
        generation += 1;
        const worker = start(generation, point, jobsFile);
        const exit = await worker.exit;
        if (exit.signal === 'SIGKILL') {
          hit.push(formatKillPoint(point));
          continue;
        }
        // The run ended before the point was reached: nothing left to kill.
        expect(exit.code, worker.stderr()).toBe(0);
        errors.push(...(exit.done?.errors ?? []));
        missed.push(formatKillPoint(point));
        // How far it got: for tuning `callsPerJob` in kill-points.ts.
        console.info('[crash sqlite] calls of the last process', JSON.stringify(exit.done?.calls));
        break;
      }
      if (missed.length === 0) {
        generation += 1;
        const last = start(generation, undefined, jobsFile);
        const exit = await last.exit;
        expect(exit.code, last.stderr()).toBe(0);
        errors.push(...(exit.done?.errors ?? []));
      }

      const audit = await auditLanes(
        parent.queue,
        parent.store,
        jobs,
        new ModelRegistry([counterModel, todoModel]),
      );
      const db = openRaw(path);
      const bookkeeping = laneBookkeepingErrors(db);
      db.close();
      console.info(
        `[crash sqlite] seed ${SEED} (SERIATIM_CRASH_SEED), kills hit ${hit.length}/${points.length}: ` +
          `${hit.join(' ')}${missed.length > 0 ? ` (not reached: ${missed.join(' ')})` : ''}; ` +
          `${generation} processes; ${formatAudit(audit)}`,
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
      expect(bookkeeping).toEqual([]);
      expect(await parent.queue.counts()).toMatchObject({ pending: 0, running: 0 });
      expect(unexpectedErrors(errors, jobs)).toEqual([]);
      // The drawn points stay inside the run: every one of them is hit.
      expect(missed).toEqual([]);
    },
    TIMEOUT,
  );
});
