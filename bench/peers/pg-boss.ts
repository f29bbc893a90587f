/**
 * pg-boss with its strict per-key FIFO queue policy, `key_strict_fifo` (pg-boss ≥ 12: "FIFO
 * ordering per singletonKey … holds back successors while a job with the same key is active, in
 * retry, or failed"), one key per lane. One instance in this process, woken by LISTEN/NOTIFY, in
 * one of two settings:
 * - `batch`: one worker fetching up to `concurrency` jobs at a time (`batchSize`; each fetch takes
 *   at most one job per key, the key's head) and fetching again at once while fetches come back
 *   full (`burstWhenBatchFull`); the handler gets the batch, which completes as one.
 * - `workers`: `concurrency` workers (`localConcurrency`) of one job each, a handler call per job
 *   like the others; each worker waits `pollingIntervalSeconds` (0.5, the least allowed) after a
 *   fetch unless a new job's NOTIFY wakes it. On key_strict_fifo their fetches race for the same
 *   key heads and mostly come back empty (3.5 jobs/s for 2,000 jobs over 1,000 lanes in a probe),
 *   so `run.ts` includes it only on request (SERIATIM_PEERS_PGBOSS_WORKERS=1). Jobs inserted with `insert` in batches of 5,000 (as P4 enqueues), each with an id
 * in enqueue order: pg-boss picks a key's head by `created_on, id`, one insert shares one
 * `created_on`, and its default ids are random uuids, so without them a batch's jobs of one key
 * would run in random order. Timed from the first `insert` until every handler call returned and
 * the queue holds no job that is not completed.
 */
import { PgBoss } from 'pg-boss';
import { cpuMicros } from '../support/workloads.js';
import { LaneOrder, laneOf, type PeerRun, type PeerWorkload, settled, within } from './lanes.js';

type Payload = { lane: number; seq: number };

/** Uuids that sort (as PostgreSQL sorts uuids) in the order of `i`, distinct per `run`. */
function orderedId(run: number, i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `${run.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

let runs = 0;

export type PgBossSetting = 'batch' | 'workers';

export async function runPgBoss(
  connectionString: string,
  workload: PeerWorkload,
  setting: PgBossSetting,
): Promise<PeerRun> {
  const { jobs, lanes, concurrency } = workload;
  const run = ++runs;
  const queue = `lanes-${Date.now().toString(36)}-${run}`;
  const order = new LaneOrder(jobs, lanes);
  const boss = new PgBoss({
    connectionString,
    useListenNotify: true,
    schedule: false,
    supervise: false,
  });
  boss.on('error', (error) => console.error('pg-boss:', error));
  await boss.start();
  await boss.createQueue(queue, { policy: 'key_strict_fifo', notify: true });
  await boss.work<Payload>(
    queue,
    setting === 'batch'
      ? { batchSize: concurrency, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 }
      : { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5 },
    async (batch) => {
      for (const job of batch) order.record(job.data.lane, job.data.seq);
    },
  );
  const db = boss.getDb();
  const unfinished = async () => {
    const { rows } = await db.executeSql(
      "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'",
      [queue],
    );
    return Number((rows[0] as { n: string } | undefined)?.n ?? 0);
  };
  try {
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < jobs; i += 5_000) {
      const batch = [];
      for (let j = i; j < Math.min(jobs, i + 5_000); j++) {
        const data = laneOf(j, lanes);
        batch.push({ id: orderedId(run, j), data, singletonKey: `lane-${data.lane}` });
      }
      await boss.insert(queue, batch);
    }
    await within(order.done, 600_000, `pg-boss (key_strict_fifo, ${setting})`);
    const left = await settled(unfinished);
    const cpuMicrosPerJob = cpuMicros(cpu) / jobs;
    const seconds = (performance.now() - start) / 1000;
    return {
      seconds,
      jobsPerSecond: jobs / seconds,
      cpuMicrosPerJob,
      executed: order.executed,
      violations: order.violations,
      unfinished: left,
    };
  } finally {
    await boss.stop({ graceful: true });
  }
}
