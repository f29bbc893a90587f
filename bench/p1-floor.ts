/**
 * P1-floor — what the XState part of P1 costs per job, with nothing else around it. The lane
 * machine alone (1,000 root lane actors; each job one `attempt.done` handing over the next job, as
 * lane batching runs them, and beside it `job.assign` then `attempt.done`, the
 * effects no-ops, the `after` timeout armed and cancelled as in the runtime), beside a minimal
 * two-state machine taking the same two events with no context, actions or timers. CPU µs/job,
 * best of RUNS rounds, in one process. The implied ceiling (1e6 / lane-machine µs) is what P1
 * could reach if the queue, the manager, the bus and the garbage they make cost nothing.
 *
 *   npx tsx bench/p1-floor.ts [jobsPerLane=100] [lanes=1000] [runs=5]
 */
import { assign, createActor, setup } from 'xstate';
import { attemptTiming, DEFAULT_RUN_CONFIG } from '../src/machines/job-lifecycle.js';
import { laneMachine } from '../src/machines/lane-machine.js';
import type { Job, JobResult } from '../src/types.js';
import { begin, fmt, report } from './support/report.js';
import { round } from './support/stats.js';
import { cpuMicros } from './support/workloads.js';

const PER_LANE = Number(process.argv[2] ?? 100);
const LANES = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 5));

type Sendable = { send(event: { type: string } & Record<string, unknown>): void };

/** Best CPU µs per job over RUNS rounds of `PER_LANE` jobs on each of `actors`. */
function measure(actors: Sendable[], job: (actor: Sendable) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < RUNS; run++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < PER_LANE; i++) for (const actor of actors) job(actor);
    best = Math.min(best, cpuMicros(cpu) / (PER_LANE * actors.length));
  }
  return best;
}

const job = {
  id: 'j',
  documentId: 'd',
  scopes: ['global'],
  branch: 'main',
  actions: [],
  attempts: 1,
  status: 'RUNNING',
} as unknown as Job;
const claim = { job, token: 't' };
const result: JobResult = { job, success: true, completedAt: '', duration: 0, operations: [] };

begin();

// The lane machine with the runtime's clock-free defaults; its effects do nothing.
const lane = laneMachine.provide({
  actions: { beginAttempt: assign(({ context }) => attemptTiming(context, 0)) },
});
const lanes = Array.from({ length: LANES }, (_, i) => {
  const actor = createActor(lane, { input: { laneKey: `lane-${i}` } });
  actor.on('*', () => {});
  actor.subscribe({ error: () => {} });
  return actor.start();
});
// Two events per job: assigned to an idle lane, then its success (the lane goes idle).
const laneMicros = measure(lanes as unknown as Sendable[], (actor) => {
  actor.send({ type: 'job.assign', claim, config: DEFAULT_RUN_CONFIG });
  // Each job restarts the attempt tokens, so the first attempt's token is always 1.
  actor.send({ type: 'attempt.done', token: 1, result });
});
// One event per job, as the runtime's lane batching runs them: each success hands over the
// lane's next job, which starts in the same step.
const next = { claim, config: DEFAULT_RUN_CONFIG };
for (const actor of lanes) actor.send({ type: 'job.assign', claim, config: DEFAULT_RUN_CONFIG });
const batchedMicros = measure(lanes as unknown as Sendable[], (actor) => {
  actor.send({ type: 'attempt.done', token: 1, result, next });
});
for (const actor of lanes) actor.stop();

const minimal = setup({ types: { events: {} as { type: 'go' } | { type: 'done' } } }).createMachine(
  {
    initial: 'idle',
    states: { idle: { on: { go: 'running' } }, running: { on: { done: 'idle' } } },
  },
);
const minimals = Array.from({ length: LANES }, () => createActor(minimal).start());
const minimalMicros = measure(minimals as unknown as Sendable[], (actor) => {
  actor.send({ type: 'go' });
  actor.send({ type: 'done' });
});

report({
  id: 'P1-floor',
  workload: `XState alone: ${fmt(LANES)} lane actors × ${fmt(PER_LANE)} jobs`,
  result: `lane machine ${round(batchedMicros, 3)} CPU µs/job (1 event/job, batched)`,
  goal: '≤ 20 µs/job for P1 ≥ 50,000 jobs/s',
  detail: {
    'lane machine, 2 events/job (assign, then success)': `${round(laneMicros, 3)} µs/job`,
    'minimal 2-state machine': `${round(minimalMicros, 3)} µs/job`,
    'ceiling from the lane machine alone': `${fmt(1e6 / batchedMicros)} jobs/s`,
    runs: RUNS,
  },
  data: { perLane: PER_LANE, lanes: LANES, runs: RUNS, laneMicros, batchedMicros, minimalMicros },
});
