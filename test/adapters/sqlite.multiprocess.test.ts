/**
 * Several OS processes on one SQLite file, each a full runtime (`JobExecutorManager` +
 * `DocumentJobExecutor`): lane order and exactly-once application across processes, and
 * recovery of the claims of a process killed mid-run. Nothing waits for time: the tests wait for
 * conditions in the database and for the children's exit.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import { createSqliteStorage, type SqliteStorage } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { DOCUMENT_SCOPE } from '../../src/document/create-action.js';
import { counterModel } from '../../src/examples/index.js';
import type { JobInput } from '../../src/types.js';
import { killWorkers, type ProtocolWorker, startProtocolWorker } from '../support/child-worker.js';
import { counterWorkload, waitUntil } from '../support/multiprocess-workload.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';
import { openRaw } from '../support/sqlite-inspect.js';
import type { SqliteWorkerConfig, SqliteWorkerMessage } from '../support/sqlite-worker.js';

const WORKER = fileURLToPath(new URL('../support/sqlite-worker.ts', import.meta.url));
const DOCUMENTS = 100;
const JOBS_PER_DOCUMENT = 20; // the CREATE_DOCUMENT job and 19 counter jobs
const TIMEOUT = 180_000;

/** A child process running `test/support/sqlite-worker.ts`. */
type Worker = ProtocolWorker<Extract<SqliteWorkerMessage, { event: 'done' }>>;

function startWorker(path: string, config: SqliteWorkerConfig): Worker {
  return startProtocolWorker<SqliteWorkerMessage>(WORKER, [path, JSON.stringify(config)]);
}

const waitFor = (check: () => Promise<boolean>, what: string) => waitUntil(check, what, TIMEOUT);
const workload = () => counterWorkload(DOCUMENTS, JOBS_PER_DOCUMENT);

/**
 * Checks the result against the enqueued jobs: every job completed; in every lane the operations
 * are contiguous from 0 and are the jobs' actions in enqueue order; each action applied once.
 */
async function verify(storage: SqliteStorage, path: string, inputs: JobInput[]): Promise<void> {
  const total = inputs.length;
  expect(await storage.queue.counts()).toEqual({
    pending: 0,
    running: 0,
    completed: total,
    failed: 0,
  });
  const expected = new Map<string, string[]>(); // lane → action ids in enqueue order
  let actions = 0;
  for (const input of inputs) {
    for (const action of input.actions) {
      const lane = `${input.documentId}/${action.scope}`;
      expected.set(lane, [...(expected.get(lane) ?? []), action.id]);
      actions += 1;
    }
  }
  for (const [lane, actionIds] of expected) {
    const [documentId, scope] = lane.split('/') as [string, string];
    const operations = await storage.store.getOperations(documentId, scope, 'main');
    expect(
      operations.map((operation) => operation.index),
      lane,
    ).toEqual(actionIds.map((_, i) => i));
    expect(
      operations.map((operation) => operation.action.id),
      lane,
    ).toEqual(actionIds);
  }
  const db = openRaw(path);
  try {
    const stored = db
      .prepare(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT json_extract(action, '$.id')) AS distinctActions FROM operations",
      )
      .get();
    expect(stored).toEqual({ n: actions, distinctActions: actions });
    expect(db.prepare('SELECT COUNT(*) FROM job_lanes').pluck().get()).toBe(0);
  } finally {
    db.close();
  }
  // The counters add up: every increment applied exactly once.
  for (let d = 0; d < DOCUMENTS; d++) {
    const documentId = `doc-${String(d).padStart(3, '0')}`;
    for (const scope of counterModel.scopes) {
      const sum = inputs
        .filter((input) => input.documentId === documentId)
        .flatMap((input) => input.actions)
        .filter((action) => action.scope === scope && action.type === 'INCREMENT')
        .reduce((n, action) => n + (action.input as { by: number }).by, 0);
      const snapshot = await storage.store.getSnapshot(documentId, scope, 'main');
      const head = await storage.store.getHead(documentId, scope, 'main');
      expect(snapshot?.index, `${documentId}/${scope}`).toBe(head);
      expect(snapshot?.state, `${documentId}/${scope}`).toMatchObject({ count: sum });
    }
  }
  expect(await storage.store.getHead('doc-000', DOCUMENT_SCOPE, 'main')).toBe(0);
}

describe('SQLite, several processes on one file', () => {
  let path: string;
  let parent: SqliteStorage;
  let workers: Worker[];

  beforeEach(() => {
    path = tempDbPath('seriatim-mp-');
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

  function start(config: SqliteWorkerConfig): Worker {
    const worker = startWorker(path, config);
    workers.push(worker);
    return worker;
  }

  it(
    'two processes share the jobs, keep every lane in order and apply each job once',
    async () => {
      const inputs = workload();
      await parent.queue.enqueueMany(inputs);
      const a = start({ runnerId: 'proc-a', waitForGo: true });
      const b = start({ runnerId: 'proc-b', waitForGo: true });
      await Promise.all([a.ready, b.ready]);
      for (const worker of [a, b]) worker.child.stdin?.write('go\n');

      const [exitA, exitB] = await Promise.all([a.exit, b.exit]);
      for (const [exit, worker] of [
        [exitA, a],
        [exitB, b],
      ] as const) {
        expect(exit.code, worker.stderr()).toBe(0);
        expect(exit.done?.errors, worker.stderr()).toEqual([]);
        expect(exit.done?.failed).toBe(0);
      }
      const completedA = exitA.done?.completed ?? 0;
      const completedB = exitB.done?.completed ?? 0;
      expect(completedA + completedB).toBe(inputs.length);
      expect(completedA).toBeGreaterThan(0);
      expect(completedB).toBeGreaterThan(0);
      await verify(parent, path, inputs);
    },
    TIMEOUT,
  );

  it(
    'a process killed mid-run loses nothing: the next one reaps its claims and finishes',
    async () => {
      const inputs = workload();
      await parent.queue.enqueueMany(inputs);
      const recovery = { heartbeatInterval: 100, stalledThreshold: 1_000, reapInterval: 100 };
      // The kill may land between one batch of completions and the next claims (group commit:
      // all of a process's running jobs can complete in one transaction): then the victim holds
      // nothing, and another victim takes over the rest, until one dies holding claims.
      let orphaned: string[] = [];
      for (let round = 1; orphaned.length === 0; round++) {
        expect(round, 'a victim killed while holding claims').toBeLessThanOrEqual(10);
        const done = (await parent.queue.counts()).completed;
        const victim = start({ runnerId: 'victim', storage: recovery });
        await waitFor(async () => {
          const counts = await parent.queue.counts();
          return counts.completed >= done + (round === 1 ? 300 : 100) && counts.running >= 1;
        }, 'the victim has completed some jobs and holds claims');
        victim.child.kill('SIGKILL');
        const killed = await victim.exit;
        expect(killed.signal).toBe('SIGKILL');

        const db = openRaw(path);
        orphaned = db
          .prepare("SELECT id FROM jobs WHERE status = 'RUNNING' AND runner_id = 'victim'")
          .pluck()
          .all() as string[];
        db.close();
      }
      const before = await parent.queue.counts();
      expect(before.completed).toBeLessThan(inputs.length);

      const rescuer = start({ runnerId: 'rescuer', storage: recovery });
      const exit = await rescuer.exit;
      expect(exit.code, rescuer.stderr()).toBe(0);
      expect(exit.done?.errors, rescuer.stderr()).toEqual([]);
      expect(exit.done?.failed).toBe(0);
      expect(exit.done?.completed).toBe(inputs.length - before.completed);

      // The orphaned claims were run again (a second claim), and completed once.
      for (const id of orphaned) {
        const job = await parent.queue.get(id);
        expect(job?.status).toBe('COMPLETED');
        expect(job?.attempts).toBeGreaterThanOrEqual(2);
      }
      await verify(parent, path, inputs);
    },
    TIMEOUT,
  );
});
