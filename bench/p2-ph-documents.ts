/**
 * P2-PH — memory, the P2 workload with a real Powerhouse model: `driveDocumentModelModule` of
 * `@powerhousedao/shared` through `fromPowerhouseModule` and `createReactor`, one SET_DRIVE_NAME
 * per job (the drive's own reducer under mutative, its zod input check, the state hash, the
 * recorded-rejection copy, the atomic write), over 1,000 documents, cap 100. The counter P2 runs
 * in the same process, interleaved, for a same-run ratio. The adapter's share of the cost is
 * measured apart: the model's reducer over the same actions in a loop (what `fromPowerhouseModule`
 * adds to a job), against the counter reducer and the CPU of a whole job.
 *
 *   npx tsx bench/p2-ph-documents.ts [jobs=20000] [documents=1000] [runs=3]
 */
import { driveDocumentModelModule, setDriveName } from '@powerhousedao/shared/document-drive';
import { createReactor } from '../src/create-reactor.js';
import { counterModel } from '../src/examples/counter-model.js';
import { counterActions } from '../src/examples/example-actions.js';
import { fromPowerhouseModule } from '../src/powerhouse/index.js';
import type { Action, JobInput } from '../src/types.js';
import { runDocuments } from './support/documents.js';
import { begin, fmt, report } from './support/report.js';
import { median, round } from './support/stats.js';
import { Countdown, cpuMicros, enqueueAll } from './support/workloads.js';

const JOBS = Number(process.argv[2] ?? 20_000);
const DOCUMENTS = Number(process.argv[3] ?? 1_000);
const RUNS = Math.max(3, Number(process.argv[4] ?? 3));
const config = { maxConcurrency: 100 };
const drive = fromPowerhouseModule(driveDocumentModelModule);

/** One drive run: create the documents (untimed), then time `jobs` SET_DRIVE_NAME jobs. */
async function runDrive(jobs: number, prefix: string) {
  const reactor = await createReactor({ models: [drive], config });
  try {
    await reactor.start();
    const created = new Countdown(DOCUMENTS);
    const offCreated = reactor.manager.on('jobCompleted', created.tick);
    for (let d = 0; d < DOCUMENTS; d++) {
      await reactor.createDocument({
        documentId: `${prefix}-${d}`,
        documentType: drive.documentType,
      });
    }
    await created.done;
    offCreated();
    const inputs: JobInput[] = Array.from({ length: jobs }, (_, i) => ({
      documentId: `${prefix}-${i % DOCUMENTS}`,
      scopes: ['global'],
      actions: [setDriveName({ name: `drive ${i}` }) as Action],
    }));
    const finished = new Countdown(jobs);
    let failed = 0;
    reactor.manager.on('jobCompleted', finished.tick);
    reactor.manager.on('jobFailed', () => {
      failed++;
      finished.tick();
    });
    const start = performance.now();
    const cpu = process.cpuUsage();
    await enqueueAll(reactor.queue, inputs, 5_000);
    await finished.done;
    const cpuMicrosPerJob = cpuMicros(cpu) / jobs;
    const seconds = (performance.now() - start) / 1000;
    const last = (await reactor.getState(`${prefix}-${(jobs - 1) % DOCUMENTS}`, 'global')) as {
      name: string;
    };
    if (last.name !== `drive ${jobs - 1}`) throw new Error(`wrong final state: ${last.name}`);
    return { jobsPerSecond: jobs / seconds, cpuMicrosPerJob, failed };
  } finally {
    await reactor.close();
  }
}

/** µs of CPU per action of `model.reducer` alone, on a private copy of the state, as the executor calls it. */
function reducerMicros(
  model: typeof drive | typeof counterModel,
  action: () => Action,
  count: number,
): number {
  const ctx = { documentId: 'bench', scope: 'global', branch: 'main', dispatch: () => {} };
  let state: unknown = model.initialState().global;
  const actions = Array.from({ length: count }, action);
  const cpu = process.cpuUsage();
  for (const next of actions) {
    const draft = structuredClone(state);
    state =
      (model.reducer as (s: unknown, a: Action, c: typeof ctx) => unknown)(draft, next, ctx) ??
      draft;
  }
  return cpuMicros(cpu) / count;
}

/** µs of CPU per action of Powerhouse's own reducer on a fresh document: what Powerhouse pays. */
function powerhouseMicros(count: number): number {
  const document = driveDocumentModelModule.utils.createDocument();
  const actions = Array.from({ length: count }, () => setDriveName({ name: 'x' }));
  const cpu = process.cpuUsage();
  for (const action of actions) {
    driveDocumentModelModule.reducer(
      { ...document, operations: { global: [] } },
      action,
      undefined,
      {
        branch: 'main',
      },
    );
  }
  return cpuMicros(cpu) / count;
}

begin();
await runDrive(Math.min(JOBS, 5_000), 'warm');
await runDocuments('memory', {
  jobs: Math.min(JOBS, 5_000),
  documents: DOCUMENTS,
  prefix: 'wc',
  config,
});
const driveRates: number[] = [];
const driveCpu: number[] = [];
const counterRates: number[] = [];
const counterCpu: number[] = [];
let failed = 0;
for (let i = 0; i < RUNS; i++) {
  const d = await runDrive(JOBS, `r${i}`);
  driveRates.push(d.jobsPerSecond);
  driveCpu.push(d.cpuMicrosPerJob);
  failed += d.failed;
  const c = await runDocuments('memory', {
    jobs: JOBS,
    documents: DOCUMENTS,
    prefix: `c${i}`,
    config,
  });
  counterRates.push(c.jobsPerSecond);
  counterCpu.push(c.cpuMicrosPerJob);
  failed += c.failed;
}
reducerMicros(drive, () => setDriveName({ name: 'warm' }) as Action, 20_000);
reducerMicros(counterModel, () => counterActions.increment(1), 20_000);
const driveReducer = median(
  [0, 1, 2].map(() => reducerMicros(drive, () => setDriveName({ name: 'x' }) as Action, 20_000)),
);
const counterReducer = median(
  [0, 1, 2].map(() => reducerMicros(counterModel, () => counterActions.increment(1), 20_000)),
);
powerhouseMicros(20_000);
const powerhouseReducer = median([0, 1, 2].map(() => powerhouseMicros(20_000)));
const driveJob = median(driveCpu);
const counterJob = median(counterCpu);

report({
  id: 'P2-PH',
  workload: `memory, ${fmt(JOBS)} Powerhouse drive SET_DRIVE_NAME jobs / ${fmt(DOCUMENTS)} documents, cap 100`,
  result: `${fmt(median(driveRates))} jobs/s (counter P2 same run: ${fmt(median(counterRates))})`,
  goal: '',
  detail: {
    'CPU µs/job (drive / counter)': `${round(driveJob, 1)} / ${round(counterJob, 1)}`,
    'model reducer µs/action incl. copy (drive / counter)': `${round(driveReducer, 2)} / ${round(counterReducer, 2)}`,
    "Powerhouse's own reducer µs/action": round(powerhouseReducer, 2),
    'its share of a drive job': `${round((100 * powerhouseReducer) / driveJob, 2)} %`,
    "the adapter's own share (model reducer − Powerhouse's)": `${round((100 * (driveReducer - powerhouseReducer)) / driveJob, 2)} %`,
    runs: RUNS,
    'failed jobs': failed,
  },
  data: {
    jobs: JOBS,
    documents: DOCUMENTS,
    driveRates,
    driveCpu,
    counterRates,
    counterCpu,
    driveReducer,
    counterReducer,
    powerhouseReducer,
  },
});
