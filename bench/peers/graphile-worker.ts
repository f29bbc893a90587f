/**
 * graphile-worker with one named queue per lane (`queueName`): jobs of a queue run one at a time in
 * order, which is graphile-worker's way to order jobs per key. One runner in this process with
 * `concurrency` workers and a no-op task; jobs added with `addJobs` in batches of 5,000 (as P4
 * enqueues), each with a `runAt` one millisecond after the previous one's (in the past, so
 * runnable at once): graphile-worker takes a queue's next job by `priority, run_at` with no
 * tiebreak, and one `addJobs` gives its jobs the same `run_at`, so without it a batch's jobs of one
 * queue run in the order of the index's ties (a probe on reused tables: 1,265 of 10,000 jobs out
 * of lane order). Timed from the first `addJobs` until every task ran and no job row is left (a
 * job's row is deleted when it completes).
 *
 * Two settings: `defaults` (graphile-worker's own, with `concurrency` set) and `batched` (its
 * documented batching: a local queue of `concurrency` jobs per fetch, completions batched on the
 * next tick, `completeJobBatchDelay: 0`, and `pollInterval` 100 ms: with named queues a fetch often
 * comes back empty while the last batch's queues are still locked, and at the default 2 s the run
 * stalls 2 s per batch, 55-62 jobs/s in a probe at 1,000 jobs over 100 lanes).
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { cpuMicros } from '../support/workloads.js';
import { LaneOrder, laneOf, type PeerRun, type PeerWorkload, settled, within } from './lanes.js';

export type GraphileSetting = 'defaults' | 'batched';

const silent = new Logger(() => () => {});
type Payload = { lane: number; seq: number };

export async function runGraphileWorker(
  connectionString: string,
  workload: PeerWorkload,
  setting: GraphileSetting,
): Promise<PeerRun> {
  const { jobs, lanes, concurrency } = workload;
  const order = new LaneOrder(jobs, lanes);
  const utils = await makeWorkerUtils({ connectionString, logger: silent });
  await utils.migrate();
  const runner = await run({
    connectionString,
    concurrency,
    noHandleSignals: true,
    logger: silent,
    taskList: {
      noop: async (payload) => {
        const { lane, seq } = payload as Payload;
        order.record(lane, seq);
      },
    },
    ...(setting === 'batched'
      ? {
          pollInterval: 100,
          preset: { worker: { localQueue: { size: concurrency }, completeJobBatchDelay: 0 } },
        }
      : {}),
  });
  const unfinished = () =>
    utils.withPgClient(async (client) => {
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM graphile_worker._private_jobs',
      );
      return Number(rows[0]?.n ?? 0);
    });
  try {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const past = Date.now() - jobs;
    for (let i = 0; i < jobs; i += 5_000) {
      const specs = [];
      for (let j = i; j < Math.min(jobs, i + 5_000); j++) {
        const payload = laneOf(j, lanes);
        const runAt = new Date(past + j);
        specs.push({ identifier: 'noop', payload, queueName: `lane-${payload.lane}`, runAt });
      }
      await utils.addJobs(specs);
    }
    await within(order.done, 600_000, `graphile-worker (${setting})`);
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
    await runner.stop();
    await utils.release();
  }
}
