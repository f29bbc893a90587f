/**
 * Stateful handlers over OS processes on one PostgreSQL schema (README: Handler jobs, "Stateful
 * handlers" and "Delivery"). One process runs a job's first segment, saves its checkpoint and
 * waits, then exits; another process resumes the job from that checkpoint, in its key place.
 * Then three processes run stateful jobs over shared keys and one is SIGKILLed mid-run: no job
 * lost or failed, none runs a segment again unless the killed process held it (at least once),
 * every job's segments run in order from its checkpoints, and every key runs its jobs in enqueue
 * order (every run of a job begins before any run of the next job of its keys). Nothing waits
 * for time: the test waits for conditions in the database and for the children's exit.
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
const TIMEOUT = 240_000;
const KEYS = 40;
const JOBS = 400;

type Worker = ProtocolWorker<Extract<HandlerWorkerMessage, { event: 'done' }>>;
type StepsJob = HandlerJobInput & {
  id: string;
  keys: string[];
  input: { segments: number; sleep: number };
};
type Run = { seq: number; job_id: string; runner: string; segment: number | null };

/** 400 stateful jobs over 40 keys: 1 to 3 segments, every fourth a second key, every 50th none. */
function workload(): StepsJob[] {
  return Array.from({ length: JOBS }, (_, n) => {
    const keys =
      n % 50 === 49
        ? []
        : n % 4 === 0
          ? [`k${n % KEYS}`, `k${(n * 7 + 3) % KEYS}`]
          : [`k${n % KEYS}`];
    return {
      id: `job-${n}`,
      handler: 'steps',
      input: { segments: 1 + (n % 3), sleep: 5 + (n % 4) * 5 },
      keys: [...new Set(keys)],
    };
  });
}

describe.skipIf(!hasPostgres)(
  'stateful handlers, several processes on one PostgreSQL schema',
  () => {
    let schema: string;
    let parent: PostgresStorage;
    let workers: Worker[];

    beforeEach(async () => {
      schema = schemaName('smp');
      parent = openStorage(schema, {}, { poolSize: 3 });
      await parent.migrate();
      // One sequence for both tables: the order in which runs began, across every process.
      await query(schema, `CREATE SEQUENCE "${schema}".run_seq`);
      await query(
        schema,
        `CREATE TABLE handler_runs (seq bigint PRIMARY KEY DEFAULT nextval('"${schema}".run_seq'), job_id text NOT NULL, runner text NOT NULL, attempt int NOT NULL)`,
      );
      await query(
        schema,
        `CREATE TABLE stateful_runs (seq bigint PRIMARY KEY DEFAULT nextval('"${schema}".run_seq'), job_id text NOT NULL, runner text NOT NULL, segment int)`,
      );
      workers = [];
    });
    afterEach(async () => {
      await killWorkers(workers);
      await parent.close();
      await dropSchema(schema);
    });
    afterAll(closeAdmin);

    function start(runnerId: string, extra: Partial<HandlerWorkerConfig> = {}): Worker {
      const config: HandlerWorkerConfig = {
        url: PG_URL as string,
        schema,
        runnerId,
        storage: {
          poolSize: 4,
          heartbeatInterval: 100,
          stalledThreshold: 1_500,
          reapInterval: 100,
        },
        maxConcurrency: 8,
        latency: 2,
        ...extra,
      };
      const worker = startProtocolWorker<HandlerWorkerMessage>(WORKER, [JSON.stringify(config)]);
      workers.push(worker);
      return worker;
    }

    async function runs(): Promise<Run[]> {
      const rows = await query<{ seq: string; job_id: string; runner: string; segment: number }>(
        schema,
        'SELECT seq, job_id, runner, segment FROM stateful_runs UNION ALL SELECT seq, job_id, runner, NULL FROM handler_runs ORDER BY seq',
      );
      return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
    }

    it(
      'resumes in one process a job another process checkpointed and put to sleep',
      async () => {
        const job: StepsJob = {
          id: 'stateful',
          handler: 'steps',
          // Long enough that the first process has closed before the job wakes.
          input: { segments: 3, sleep: 2_000 },
          keys: ['k'],
        };
        const after = { id: 'after', handler: 'log', keys: ['k'] };
        await parent.queue.enqueueMany([job, after] as unknown as JobInput[]);

        const first = start('first', { exitAfterWaits: 1 });
        await first.ready;
        first.child.stdin?.write('go\n');
        const firstExit = await first.exit;
        expect(firstExit.code, first.stderr()).toBe(0);
        expect(firstExit.done).toMatchObject({ waits: 1, completed: 0, failed: 0, errors: [] });
        const asleep = await parent.queue.get('stateful');
        expect(asleep).toMatchObject({ status: 'PENDING', attempts: 0, checkpoint: 1 });
        expect(asleep?.runAt).toBeGreaterThan(asleep?.createdAt ?? 0);
        expect((await parent.queue.get('after'))?.status).toBe('PENDING');

        const second = start('second');
        await second.ready;
        second.child.stdin?.write('go\n');
        const secondExit = await second.exit;
        expect(secondExit.code, second.stderr()).toBe(0);
        expect(secondExit.done).toMatchObject({ waits: 1, completed: 2, failed: 0, errors: [] });

        expect(await parent.queue.get('stateful')).toMatchObject({
          status: 'COMPLETED',
          output: { runner: 'second', segments: 3 },
          checkpoint: 2,
        });
        const order = (await runs()).map(({ job_id, runner, segment }) => [
          job_id,
          runner,
          segment,
        ]);
        expect(order).toEqual([
          ['stateful', 'first', 0],
          ['stateful', 'second', 1],
          ['stateful', 'second', 2],
          ['after', 'second', null],
        ]);
      },
      TIMEOUT,
    );

    it(
      'a SIGKILLed process loses no stateful job, keeps keys and segments in order, reruns only what it held',
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

        const runsOf = new Map<string, Run[]>();
        for (const run of await runs())
          runsOf.set(run.job_id, [...(runsOf.get(run.job_id) ?? []), run]);
        const problems: string[] = [];
        let repeated = 0;
        for (const input of inputs) {
          const segments = (runsOf.get(input.id) ?? []).map((run) => run.segment as number);
          // Each segment ran, in order, each from the checkpoint of the one before.
          const distinct = [...new Set(segments)];
          const expected = Array.from({ length: input.input.segments }, (_, i) => i);
          const backwards = segments.some((segment, i) => i > 0 && segment < segments[i - 1]!);
          if (backwards || JSON.stringify(distinct) !== JSON.stringify(expected)) {
            problems.push(`${input.id} ran segments ${segments.join(',')}`);
          }
          if (segments.length > distinct.length) {
            repeated += 1;
            if (!orphaned.has(input.id)) problems.push(`${input.id} reran ${segments.join(',')}`);
          }
          const output = (await parent.queue.get(input.id))?.output as { segments?: number };
          if (output?.segments !== input.input.segments)
            problems.push(`${input.id} output ${JSON.stringify(output)}`);
        }
        expect(problems, 'jobs lost, out of segment order, or rerun without the victim').toEqual(
          [],
        );

        const outOfOrder: string[] = [];
        const lastOfKey = new Map<string, string>();
        for (const input of inputs) {
          for (const key of input.keys) {
            const previous = lastOfKey.get(key);
            if (previous !== undefined) {
              const before = Math.max(...(runsOf.get(previous) ?? []).map((run) => run.seq));
              const after = Math.min(...(runsOf.get(input.id) ?? []).map((run) => run.seq));
              if (!(before < after)) outOfOrder.push(`${key}: ${previous} → ${input.id}`);
            }
            lastOfKey.set(key, input.id);
          }
        }
        expect(outOfOrder, 'keys out of enqueue order').toEqual([]);
        const waits = exits.reduce((n, exit) => n + (exit.done?.waits ?? 0), 0);
        console.info(
          `[stateful multi-process] ${JOBS} jobs; ${orphaned.size} held by the victim, ${repeated} reran a segment; waits seen by survivors ${waits}; completed per survivor ${exits.map((exit) => exit.done?.completed).join(' / ')}`,
        );
      },
      TIMEOUT,
    );
  },
);
