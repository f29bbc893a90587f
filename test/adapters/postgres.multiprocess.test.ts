/**
 * Several OS processes on one PostgreSQL schema, each a full runtime (`JobExecutorManager` +
 * `DocumentJobExecutor` over `createPostgresStorage`): lane order and exactly-once application
 * across processes, and recovery of the claims of a process killed mid-run by the survivors'
 * reaper. Nothing waits for time: the tests wait for conditions in the database and for the
 * children's exit.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import { DOCUMENT_SCOPE } from '../../src/document/create-action.js';
import { counterModel } from '../../src/examples/index.js';
import type { JobInput } from '../../src/types.js';
import { killWorkers, type ProtocolWorker, startProtocolWorker } from '../support/child-worker.js';
import { counterWorkload, documentName, waitUntil } from '../support/multiprocess-workload.js';
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
const DOCUMENTS = 100; // 200 counter lanes (global, local), plus each document's `document` lane
const JOBS_PER_DOCUMENT = 50; // the CREATE_DOCUMENT job and 49 counter jobs: 5,000 in all
const TIMEOUT = 240_000;

/** A child process running `test/support/postgres-worker.ts`. */
type Worker = ProtocolWorker<Extract<PostgresWorkerMessage, { event: 'done' }>>;
type Exit = Awaited<Worker['exit']>;

function startWorker(config: PostgresWorkerConfig): Worker {
  return startProtocolWorker<PostgresWorkerMessage>(WORKER, [JSON.stringify(config)]);
}

const waitFor = (check: () => Promise<boolean>, what: string) => waitUntil(check, what, TIMEOUT);
const workload = () => counterWorkload(DOCUMENTS, JOBS_PER_DOCUMENT);

/**
 * Checks the result against the enqueued jobs: every job completed; in every lane the operations
 * are contiguous from 0 and are the jobs' actions in enqueue order; each action applied once; the
 * counters add up.
 */
async function verify(storage: PostgresStorage, schema: string, inputs: JobInput[]) {
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
  const lost: string[] = [];
  const outOfOrder: string[] = [];
  for (const [lane, actionIds] of expected) {
    const [documentId, scope] = lane.split('/') as [string, string];
    const operations = await storage.store.getOperations(documentId, scope, 'main');
    if (operations.some((operation, i) => operation.index !== i)) outOfOrder.push(`${lane} gap`);
    const stored = operations.map((operation) => operation.action.id);
    if (stored.length < actionIds.length) lost.push(lane);
    else if (stored.join() !== actionIds.join()) outOfOrder.push(lane);
  }
  expect(lost, 'lanes missing operations').toEqual([]);
  expect(outOfOrder, 'lanes out of enqueue order').toEqual([]);
  const [stored] = await query<{ n: number; distinct_actions: number }>(
    schema,
    "SELECT count(*)::int AS n, count(DISTINCT action->>'id')::int AS distinct_actions FROM operations",
  );
  expect(stored, 'operations: one per action, none twice').toEqual({
    n: actions,
    distinct_actions: actions,
  });
  const [lanes] = await query<{ n: number }>(schema, 'SELECT count(*)::int AS n FROM job_lanes');
  expect(lanes?.n).toBe(0);
  // The counters add up: every increment applied exactly once.
  for (let d = 0; d < DOCUMENTS; d++) {
    const documentId = documentName(d);
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
  expect(await storage.store.getHead(documentName(0), DOCUMENT_SCOPE, 'main')).toBe(0);
}

function expectClean(exit: Exit, worker: Worker): void {
  expect(exit.code, worker.stderr()).toBe(0);
  expect(exit.done?.errors, worker.stderr()).toEqual([]);
  expect(exit.done?.failed).toBe(0);
}

describe.skipIf(!hasPostgres)('PostgreSQL, several processes on one schema', () => {
  let schema: string;
  let parent: PostgresStorage;
  let workers: Worker[];

  beforeEach(async () => {
    schema = schemaName('mp');
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

  function start(runnerId: string, storage: PostgresWorkerConfig['storage'] = {}): Worker {
    const worker = startWorker({
      url: PG_URL as string,
      schema,
      runnerId,
      storage: { poolSize: 6, ...storage },
      executor: { maxConcurrency: 8 },
      waitForGo: true,
    });
    workers.push(worker);
    return worker;
  }

  async function go(...started: Worker[]): Promise<void> {
    await Promise.all(started.map((worker) => worker.ready));
    for (const worker of started) worker.child.stdin?.write('go\n');
  }

  it(
    '3 processes share 5,000 jobs over 200 lanes, keep every lane in order and apply each job once',
    async () => {
      const inputs = workload();
      await parent.queue.enqueueMany(inputs);
      const procs = [start('proc-a'), start('proc-b'), start('proc-c')];
      await go(...procs);

      const exits = await Promise.all(procs.map((worker) => worker.exit));

      exits.forEach((exit, i) => {
        expectClean(exit, procs[i] as Worker);
      });
      const completed = exits.map((exit) => exit.done?.completed ?? 0);
      expect(completed.reduce((a, b) => a + b, 0)).toBe(inputs.length);
      for (const n of completed) expect(n).toBeGreaterThan(0);
      expect(exits.map((exit) => exit.done?.staleClaims)).toEqual([0, 0, 0]);
      console.info(
        `[postgres multi-process] completed per process ${completed.join(' / ')}; retried attempts ${exits
          .map((exit) => exit.done?.retries)
          .join(' / ')}`,
      );
      await verify(parent, schema, inputs);
    },
    TIMEOUT,
  );

  it(
    'a process SIGKILLed mid-run loses nothing: the others reap its claims and finish everything',
    async () => {
      const inputs = workload();
      await parent.queue.enqueueMany(inputs);
      const recovery = { heartbeatInterval: 100, stalledThreshold: 1_500, reapInterval: 100 };
      let victim = start('victim', recovery);
      const survivors = [start('survivor-1', recovery), start('survivor-2', recovery)];
      await go(victim, ...survivors);
      const victimClaims = async () =>
        (
          await query<{ id: string }>(
            schema,
            "SELECT id FROM jobs WHERE status = 'RUNNING' AND runner_id = 'victim'",
          )
        ).map((row) => row.id);
      // The kill may land between a batch that ended all the victim's claims and its next claims
      // (its 8 jobs can complete in one statement): then a new victim joins, until one dies
      // holding claims.
      let orphaned: string[] = [];
      for (let round = 1; orphaned.length === 0; round++) {
        expect(round, 'a victim killed while holding claims').toBeLessThanOrEqual(10);
        if (round > 1) {
          victim = start('victim', recovery);
          await go(victim);
        }
        await waitFor(async () => {
          const counts = await parent.queue.counts();
          return counts.completed >= 1_000 && (await victimClaims()).length >= 1;
        }, '1,000 jobs are completed and the victim holds claims');

        victim.child.kill('SIGKILL');
        const killed = await victim.exit;
        expect(killed.signal).toBe('SIGKILL');
        orphaned = await victimClaims(); // the victim is dead: these stay until reaped
      }
      expect((await parent.queue.counts()).completed).toBeLessThan(inputs.length);

      const exits = await Promise.all(survivors.map((worker) => worker.exit));

      exits.forEach((exit, i) => {
        expectClean(exit, survivors[i] as Worker);
      });
      // The orphaned claims were claimed again (a second attempt) and completed once.
      for (const id of orphaned) {
        const job = await parent.queue.get(id);
        expect(job?.status, id).toBe('COMPLETED');
        expect(job?.attempts, id).toBeGreaterThanOrEqual(2);
      }
      await verify(parent, schema, inputs);
    },
    TIMEOUT,
  );
});
