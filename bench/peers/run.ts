/**
 * The ordered peers, one run on one PostgreSQL (README: Performance; bench/README.md "Peers"):
 * seriatim's P4 (counter document jobs: reducer, operations written) and P7-PG (no-op handler jobs
 * over keys) beside graphile-worker with one named queue per lane and pg-boss with
 * `key_strict_fifo` (one key per lane), no-op handlers. Same workload for all: JOBS jobs round-robin
 * over LANES lanes, 100 at once, enqueued in batches of 5,000 and timed from the first enqueue
 * until the last job is complete in the database. Every contender checks that each lane's jobs ran
 * once each, in enqueue order, and every one runs in this process, in turn, each round: P4, P7-PG,
 * graphile-worker (its defaults, then its batched setting), pg-boss (one batch worker; with
 * SERIATIM_PEERS_PGBOSS_WORKERS=1 also 100 one-job workers). One warm-up round at 2,000 jobs, then the median of RUNS rounds; the ratios
 * are the medians of each round's ratios, against the faster setting of each peer in that round.
 *
 *   scripts/with-postgres.sh npm run bench:peers                  # installs bench/peers first
 *   SERIATIM_PG_URL=postgres://… npx tsx bench/peers/run.ts [jobs=10000] [lanes=1000] [runs=3]
 */
import { readFileSync } from 'node:fs';
import { runDocuments } from '../support/documents.js';
import { handlerInputs, runHandlers } from '../support/handlers.js';
import { begin, fmt, report, skip } from '../support/report.js';
import { median, round } from '../support/stats.js';
import { findStorageFactory } from '../support/storage-entry.js';
import { runGraphileWorker } from './graphile-worker.js';
import type { PeerRun, PeerWorkload } from './lanes.js';
import { runPgBoss } from './pg-boss.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const LANES = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(1, Number(process.argv[4] ?? 3));
const CONCURRENCY = 100;
const config = { maxConcurrency: CONCURRENCY };
const url = process.env.SERIATIM_PG_URL;

/** The installed version of a peer (bench/peers/node_modules; pg-boss exports no package.json). */
const version = (name: string) =>
  (
    JSON.parse(
      readFileSync(new URL(`node_modules/${name}/package.json`, import.meta.url), 'utf8'),
    ) as { version: string }
  ).version;

/** One contender's figures over the rounds. */
type Series = { rates: number[]; cpu: number[]; problems: number };
const series = (): Series => ({ rates: [], cpu: [], problems: 0 });
const ALL = [
  'p4',
  'p7',
  'graphileDefaults',
  'graphileBatched',
  'pgBossBatch',
  'pgBossWorkers',
] as const;
type Contender = (typeof ALL)[number];
/**
 * pg-boss's 100 one-job workers run only with SERIATIM_PEERS_PGBOSS_WORKERS=1: on key_strict_fifo
 * their concurrent fetches race for the same key heads and mostly come back empty, then wait out
 * the 0.5 s poll (3.5 jobs/s for 2,000 jobs over 1,000 lanes in a probe: ~50 min for 10,000).
 */
const CONTENDERS: readonly Contender[] =
  process.env.SERIATIM_PEERS_PGBOSS_WORKERS === '1'
    ? ALL
    : ALL.filter((c) => c !== 'pgBossWorkers');

begin();
const entry = await findStorageFactory('postgres');
if (!entry.ok) skip('PEERS', 'the ordered peers on PostgreSQL', entry.reason);
else if (!url) skip('PEERS', 'the ordered peers on PostgreSQL', 'SERIATIM_PG_URL is not set');
else await main(url);

async function main(connectionString: string): Promise<void> {
  const tag = `peers${Date.now().toString(36)}`;
  const storage = { postgres: connectionString };
  const gw = version('graphile-worker');
  const boss = version('pg-boss');

  /** One round: each contender once, in turn, over `jobs` jobs. */
  async function oneRound(
    jobs: number,
    prefix: string,
  ): Promise<Record<Exclude<Contender, 'pgBossWorkers'>, PeerRun> & { pgBossWorkers?: PeerRun }> {
    const workload: PeerWorkload = { jobs, lanes: LANES, concurrency: CONCURRENCY };
    const p4 = await runDocuments(storage, {
      jobs,
      documents: LANES,
      prefix: `${prefix}d`,
      config,
    });
    const p7 = await runHandlers(storage, handlerInputs(jobs, LANES, `${prefix}h`), {
      config,
      batch: 5_000,
    });
    return {
      p4: {
        ...p4,
        executed: jobs - p4.failed,
        violations: p4.finalSum === jobs ? 0 : 1,
        unfinished: 0,
      },
      p7: { ...p7, violations: p7.violations + p7.failed, unfinished: 0 },
      graphileDefaults: await runGraphileWorker(connectionString, workload, 'defaults'),
      graphileBatched: await runGraphileWorker(connectionString, workload, 'batched'),
      pgBossBatch: await runPgBoss(connectionString, workload, 'batch'),
      ...(CONTENDERS.includes('pgBossWorkers')
        ? { pgBossWorkers: await runPgBoss(connectionString, workload, 'workers') }
        : {}),
    };
  }

  await oneRound(Math.min(JOBS, 2_000), `${tag}w`);
  const figures = Object.fromEntries(CONTENDERS.map((c) => [c, series()])) as Record<
    Contender,
    Series
  >;
  const ratios = { p4Graphile: [] as number[], p4Boss: [] as number[] };
  const p7Ratios = { graphile: [] as number[], boss: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const result = await oneRound(JOBS, `${tag}r${i}`);
    for (const c of CONTENDERS) {
      const run = result[c];
      if (run === undefined) continue;
      figures[c].rates.push(run.jobsPerSecond);
      figures[c].cpu.push(run.cpuMicrosPerJob);
      figures[c].problems +=
        run.violations + (run.executed === JOBS ? 0 : 1) + (run.unfinished === 0 ? 0 : 1);
    }
    const graphile = Math.max(
      result.graphileDefaults.jobsPerSecond,
      result.graphileBatched.jobsPerSecond,
    );
    ratios.p4Graphile.push(result.p4.jobsPerSecond / graphile);
    const pgBoss = Math.max(
      result.pgBossBatch.jobsPerSecond,
      result.pgBossWorkers?.jobsPerSecond ?? 0,
    );
    ratios.p4Boss.push(result.p4.jobsPerSecond / pgBoss);
    p7Ratios.graphile.push(result.p7.jobsPerSecond / graphile);
    p7Ratios.boss.push(result.p7.jobsPerSecond / pgBoss);
  }

  const size = `${fmt(JOBS)} jobs / ${fmt(LANES)} lanes, concurrency ${CONCURRENCY}`;
  const rows: [string, Contender, string][] = [
    ['PEERS-P4', 'p4', `seriatim P4: counter document jobs (operations written), ${size}`],
    ['PEERS-P7-PG', 'p7', `seriatim P7-PG: no-op handler jobs, one key per lane, ${size}`],
    [
      'PEERS-GW',
      'graphileDefaults',
      `graphile-worker ${gw}, one named queue per lane, defaults, no-op task, ${size}`,
    ],
    [
      'PEERS-GW-BATCHED',
      'graphileBatched',
      `graphile-worker ${gw}, one named queue per lane, localQueue ${CONCURRENCY} + completeJobBatchDelay 0, no-op task, ${size}`,
    ],
    [
      'PEERS-PGBOSS-BATCH',
      'pgBossBatch',
      `pg-boss ${boss}, key_strict_fifo, one key per lane, one worker of batchSize ${CONCURRENCY} (burstWhenBatchFull), no-op handler, ${size}`,
    ],
    [
      'PEERS-PGBOSS-WORKERS',
      'pgBossWorkers',
      `pg-boss ${boss}, key_strict_fifo, one key per lane, localConcurrency ${CONCURRENCY} of batchSize 1, no-op handler, ${size}`,
    ],
  ];
  for (const [id, c, workload] of rows) {
    if (!CONTENDERS.includes(c)) continue;
    const f = figures[c];
    report({
      id,
      workload,
      result: `${fmt(median(f.rates))} jobs/s`,
      goal: '',
      detail: {
        'CPU µs/job (this process)': round(median(f.cpu), 3),
        runs: RUNS,
        'runs with a job lost, repeated, unfinished or out of lane order': f.problems,
      },
      data: { jobs: JOBS, lanes: LANES, concurrency: CONCURRENCY, ...f },
    });
  }
  report({
    id: 'PEERS',
    workload: `ratios in the same run (median of ${RUNS} rounds; each peer: its faster setting in the round)`,
    result:
      `P4/graphile-worker ${round(median(ratios.p4Graphile), 3)}, ` +
      `P4/pg-boss ${round(median(ratios.p4Boss), 3)}`,
    goal: 'P4 ≥ 8× graphile-worker named queues, ≥ 10× pg-boss key_strict_fifo',
    detail: {
      'P7-PG/graphile-worker': round(median(p7Ratios.graphile), 3),
      'P7-PG/pg-boss': round(median(p7Ratios.boss), 3),
      'graphile-worker': gw,
      'pg-boss': boss,
    },
    data: { ratios, p7Ratios, versions: { 'graphile-worker': gw, 'pg-boss': boss } },
  });
}
