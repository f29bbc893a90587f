/**
 * P1 — memory, no-op jobs: 100k jobs over 1,000 lanes, maxConcurrency 100. Jobs/s through the
 * manager, and the ratio to the plain-JS baseline (per-lane order + global cap) run alternately
 * in the same process. Median of RUNS runs after a warm-up of each.
 *
 *   npx tsx bench/p1-memory-noop.ts [jobs=100000] [lanes=1000] [runs=5]
 */
import { runBaseline } from './support/baseline.js';
import { begin, fmt, report } from './support/report.js';
import { median, round } from './support/stats.js';
import { noopInputs, OrderCheckingNoop, runManager } from './support/workloads.js';

const JOBS = Number(process.argv[2] ?? 100_000);
const LANES = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 5));
const CAP = 100;

begin();
const config = { maxConcurrency: CAP };
// Warm-up: JIT and pools, both contenders.
await runManager(noopInputs(Math.min(JOBS, 20_000), LANES, 'w'), config);
await runBaseline(noopInputs(Math.min(JOBS, 20_000), LANES, 'w'), new OrderCheckingNoop(), CAP);

const seriatim: number[] = [];
const baseline: number[] = [];
const ratios: number[] = [];
const cpu: number[] = [];
const baselineCpu: number[] = [];
let violations = 0;
for (let i = 0; i < RUNS; i++) {
  const run = await runManager(noopInputs(JOBS, LANES, `r${i}-`), config);
  violations += run.violations;
  const executor = new OrderCheckingNoop();
  const base = await runBaseline(noopInputs(JOBS, LANES, `b${i}-`), executor, CAP);
  violations += executor.violations;
  seriatim.push(run.jobsPerSecond);
  baseline.push(base.jobsPerSecond);
  ratios.push(run.jobsPerSecond / base.jobsPerSecond);
  cpu.push(run.cpuMicrosPerJob);
  baselineCpu.push(base.cpuMicrosPerJob);
}

report({
  id: 'P1',
  workload: `memory, ${fmt(JOBS)} no-op jobs / ${fmt(LANES)} lanes, cap ${CAP}`,
  result: `${fmt(median(seriatim))} jobs/s`,
  goal: '≥ 50,000 jobs/s',
  detail: {
    'baseline (chain + semaphore)': `${fmt(median(baseline))} jobs/s`,
    ratio: round(median(ratios), 2),
    'CPU µs/job': `${round(median(cpu), 3)} (baseline ${round(median(baselineCpu), 2)})`,
    runs: RUNS,
    'order violations': violations,
  },
  data: {
    jobs: JOBS,
    lanes: LANES,
    cap: CAP,
    seriatim,
    baseline,
    ratios,
    cpu,
    baselineCpu,
    violations,
  },
});
