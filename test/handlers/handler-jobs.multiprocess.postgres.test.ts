/**
 * Handler jobs over three OS processes on one PostgreSQL schema, one of them SIGKILLed mid-run
 * (README: Handler jobs, "Delivery"): no job lost, none failed, the jobs of every key ran in
 * enqueue order (every run of a job began before any run of the next job of its keys), and only
 * the jobs the killed process held ran twice (at least once). Nothing waits for time: the test
 * waits for conditions in the database and for the children's exit.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import type { HandlerJobInput, JobInput } from '../../src/types.js';
import { killWorkers, type ProtocolWorker, startProtocolWorker } from '../support/child-worker.js';
import type { HandlerWorkerConfig, HandlerWorkerMessage } from '../support/handler-worker.js';
import { killOneOfThreeWorkers } from '../support/kill-one-worker.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  PG_URL,
  query,
  schemaName,
} from '../support/postgres.js';

const WORKER = fileURLToPath(new URL('../support/handler-worker.ts', import.meta.url));
const KEYS = 100;
const JOBS = 1_500;
const TIMEOUT = 240_000;

type Worker = ProtocolWorker<Extract<HandlerWorkerMessage, { event: 'done' }>>;

/** 1,500 jobs over 100 keys: one key each, every fifth a second key, every 50th none. */
function workload(): (HandlerJobInput & { id: string; keys: string[] })[] {
  return Array.from({ length: JOBS }, (_, n) => {
    const keys =
      n % 50 === 49
        ? []
        : n % 5 === 0
          ? [`k${n % KEYS}`, `k${(n * 7 + 3) % KEYS}`]
          : [`k${n % KEYS}`];
    return { id: `job-${n}`, handler: 'log', input: { n }, keys: [...new Set(keys)] };
  });
}

describe.skipIf(!hasPostgres)('handler jobs, several processes on one PostgreSQL schema', () => {
  let schema: string;
  let parent: PostgresStorage;
  let workers: Worker[];

  beforeEach(async () => {
    schema = schemaName('hmp');
    parent = openStorage(schema, {}, { poolSize: 3 });
    await parent.migrate();
    await query(
      schema,
      'CREATE TABLE handler_runs (seq bigserial PRIMARY KEY, job_id text NOT NULL, runner text NOT NULL, attempt int NOT NULL)',
    );
    workers = [];
  });
  afterEach(async () => {
    await killWorkers(workers);
    await parent.close();
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  function start(runnerId: string): Worker {
    const config: HandlerWorkerConfig = {
      url: PG_URL as string,
      schema,
      runnerId,
      storage: { poolSize: 4, heartbeatInterval: 100, stalledThreshold: 1_500, reapInterval: 100 },
      maxConcurrency: 8,
      latency: 2,
    };
    const worker = startProtocolWorker<HandlerWorkerMessage>(WORKER, [JSON.stringify(config)]);
    workers.push(worker);
    return worker;
  }

  it(
    'a SIGKILLed process loses no handler job, keeps every key in order, reruns only what it held',
    async () => {
      const inputs = workload();
      await parent.queue.enqueueMany(inputs as unknown as JobInput[]);
      const { orphaned, exits } = await killOneOfThreeWorkers({
        schema,
        jobs: JOBS,
        timeout: TIMEOUT,
        start,
      });

      expect(await parent.queue.counts()).toEqual({
        pending: 0,
        running: 0,
        completed: JOBS,
        failed: 0,
      });
      const runs = await query<{ seq: string; job_id: string }>(
        schema,
        'SELECT seq, job_id FROM handler_runs ORDER BY seq',
      );
      const runsOf = new Map<string, number[]>();
      for (const run of runs) {
        runsOf.set(run.job_id, [...(runsOf.get(run.job_id) ?? []), Number(run.seq)]);
      }
      const lost = inputs.filter((input) => !runsOf.has(input.id)).map((input) => input.id);
      expect(lost, 'jobs that never ran').toEqual([]);
      const twice = [...runsOf].filter(([, seqs]) => seqs.length > 1).map(([id]) => id);
      expect(
        twice.filter((id) => !orphaned.has(id)),
        'jobs run twice that the victim did not hold',
      ).toEqual([]);
      // Per key, in enqueue order: the last run of a job began before the first run of the next.
      const outOfOrder: string[] = [];
      const lastOfKey = new Map<string, string>();
      for (const input of inputs) {
        for (const key of input.keys) {
          const previous = lastOfKey.get(key);
          if (previous !== undefined) {
            const before = Math.max(...(runsOf.get(previous) ?? [Number.POSITIVE_INFINITY]));
            const after = Math.min(...(runsOf.get(input.id) ?? [Number.NEGATIVE_INFINITY]));
            if (!(before < after)) outOfOrder.push(`${key}: ${previous} → ${input.id}`);
          }
          lastOfKey.set(key, input.id);
        }
      }
      expect(outOfOrder, 'keys out of enqueue order').toEqual([]);
      for (const input of inputs.slice(0, 20)) {
        expect((await parent.queue.get(input.id))?.output).toMatchObject({
          runner: expect.any(String),
        });
      }
      console.info(
        `[handler multi-process] ${runs.length} runs of ${JOBS} jobs; ${orphaned.size} held by the victim, ${twice.length} ran twice; completed per survivor ${exits.map((exit) => exit.done?.completed).join(' / ')}`,
      );
    },
    TIMEOUT,
  );
});
