/**
 * P2-EXEC — where a P2 job's time goes in the document executor, without the runtime: the
 * executor alone (`DocumentJobExecutor.execute` on a `MemoryOperationStore`, one job after
 * another, P2's counter INCREMENT jobs over 1,000 documents), and each of its parts timed alone
 * on the same inputs. CPU µs/job, the median of RUNS rounds; "rest" is the whole minus the parts
 * (async frames, result objects, the lane book-keeping). README: Performance.
 *
 * Only public or long-standing module entry points are used, so the script also runs on an older
 * tree copied beside this one (how the before/after in bench/README.md was measured).
 *
 *   npx tsx bench/p2-executor-breakdown.ts [jobs=50000] [runs=5]
 */
import { MemoryOperationStore } from '../src/adapters/memory/memory-operation-store.js';
import type { LaneWrite } from '../src/adapters/ports.js';
import { checkJobShape } from '../src/document/check-document-job.js';
import { createDocumentJob } from '../src/document/create-action.js';
import { DocumentJobExecutor } from '../src/document/document-job-executor.js';
import { ModelRegistry } from '../src/document/document-model.js';
import { hashState } from '../src/document/hash.js';
import { operationId } from '../src/document/operation-id.js';
import { ed25519Verifier } from '../src/document/signature.js';
import { stableStringify } from '../src/document/stable-stringify.js';
import { StateCache } from '../src/document/state-cache.js';
import { counterModel } from '../src/examples/counter-model.js';
import { counterActions } from '../src/examples/example-actions.js';
import { laneKey } from '../src/lane-key.js';
import { type Job, JobStatus, type Operation } from '../src/types.js';
import { begin, fmt, report } from './support/report.js';
import { median, round } from './support/stats.js';
import { cpuMicros } from './support/workloads.js';

const JOBS = Number(process.argv[2] ?? 50_000);
const RUNS = Math.max(3, Number(process.argv[3] ?? 5));
const DOCUMENTS = 1_000;
// The executor's copy of a lane state; `structuredClone` in trees before `copyState`.
const copyState: <T>(state: T) => T = await import('../src/document/copy-state.js').then(
  (module) => module.copyState,
  () => structuredClone,
);

let jobSeq = 0;
function job(documentId: string, scopes: string[], actions: Job['actions']): Job {
  return {
    id: `j${jobSeq++}`,
    documentId,
    scopes,
    branch: 'main',
    actions,
    status: JobStatus.PENDING,
    createdAt: 0,
    attempts: 0,
  };
}

function incrementJobs(prefix: string): Job[] {
  const jobs: Job[] = [];
  for (let i = 0; i < JOBS; i++) {
    jobs.push(job(`${prefix}${i % DOCUMENTS}`, ['global'], [counterActions.increment(1)]));
  }
  return jobs;
}

/** CPU µs per item of `fn` over `items`. */
function perItem<T>(items: readonly T[], fn: (item: T, i: number) => unknown): number {
  let sink = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < items.length; i++) if (fn(items[i]!, i) !== undefined) sink++;
  const micros = cpuMicros(cpu) / items.length;
  if (sink < 0) console.log(sink); // keeps the calls observable
  return micros;
}

/** The executor alone: CPU µs per INCREMENT job (documents created first, untimed). */
async function executorAlone(prefix: string): Promise<number> {
  const store = new MemoryOperationStore();
  const executor = new DocumentJobExecutor({ store, models: new ModelRegistry([counterModel]) });
  for (let d = 0; d < DOCUMENTS; d++) {
    const input = createDocumentJob({
      documentId: `${prefix}${d}`,
      documentType: counterModel.documentType,
      scopes: counterModel.scopes,
    });
    const created = await executor.execute(job(input.documentId, input.scopes, input.actions));
    if (!created.success) throw new Error(created.errorMessage);
  }
  const jobs = incrementJobs(prefix);
  const signal = new AbortController().signal;
  const cpu = process.cpuUsage();
  for (const each of jobs) {
    const result = await executor.execute(each, undefined, signal);
    if (!result.success) throw new Error(result.errorMessage);
  }
  return cpuMicros(cpu) / jobs.length;
}

/** A memory store's `append` of one INCREMENT operation plus the `document` lane's read fence. */
async function storeAppend(prefix: string): Promise<number> {
  const store = new MemoryOperationStore();
  const state = { count: 0, label: '' };
  for (let d = 0; d < DOCUMENTS; d++) {
    await store.append({
      documentId: `${prefix}${d}`,
      branch: 'main',
      lanes: [{ scope: 'document', expectedHead: -1, operations: [op(`c${d}`, 0)] }],
    });
  }
  const requests = incrementJobs(prefix).map((each, i) => {
    const index = Math.floor(i / DOCUMENTS);
    const lanes: LaneWrite[] = [
      {
        scope: 'global',
        expectedHead: index - 1,
        operations: [op(`o${i}`, index)],
        snapshot: { state, hash: 'h' },
      },
      { scope: 'document', expectedHead: 0, operations: [] },
    ];
    return { documentId: each.documentId, branch: 'main', lanes };
  });
  const cpu = process.cpuUsage();
  for (const request of requests) await store.append(request);
  return cpuMicros(cpu) / requests.length;
}

function op(id: string, index: number): Operation {
  const action = counterActions.increment(1);
  return { id, index, skip: 0, hash: 'h', timestampUtcMs: action.timestampUtcMs, action };
}

type Parts = Record<string, number>;
/** Inside the state hash's row: reported, not added to the sum. */
const OF_WHICH = '(of which stableStringify)';

async function round1(prefix: string): Promise<Parts> {
  const jobs = incrementJobs(prefix);
  const states = jobs.map((_, i) => ({ count: i, label: '' }));
  const cache = new StateCache();
  for (let d = 0; d < DOCUMENTS; d++) {
    const snapshot = { index: 0, state: states[d], hash: 'h' };
    cache.set(laneKey(`${prefix}${d}`, 'document', 'main'), snapshot);
    cache.set(laneKey(`${prefix}${d}`, 'global', 'main'), snapshot);
  }
  const ctx = { documentId: 'd', scope: 'global', branch: 'main', dispatch: () => {} };
  const parts: Parts = {
    checkJobShape: perItem(jobs, (each) => checkJobShape(each)),
    'signature check (unsigned)': perItem(jobs, (each) =>
      ed25519Verifier.verify(each.actions[0]!, each),
    ),
    'operation id (SHA-1 #1)': perItem(jobs, (each) =>
      operationId(each.documentId, 'global', each.branch, each.actions[0]!.id),
    ),
    'laneKey × 2': perItem(jobs, (each) => {
      laneKey(each.documentId, 'document', each.branch);
      return laneKey(each.documentId, 'global', each.branch);
    }),
    'cache get × 2 + set × 2': perItem(jobs, (each) => {
      const header = laneKey(each.documentId, 'document', each.branch);
      const lane = laneKey(each.documentId, 'global', each.branch);
      const hit = cache.get(header);
      const snapshot = cache.get(lane)!;
      cache.set(lane, snapshot);
      cache.set(header, hit!);
      return hit;
    }),
    'state copy for the reducer': perItem(states, (state) => copyState(state)),
    'reducer (INCREMENT)': perItem(jobs, (each, i) =>
      counterModel.reducer(states[i]!, each.actions[0]!, ctx),
    ),
    'state hash (stringify + SHA-1 #2)': perItem(states, (state) => hashState(state)),
    [OF_WHICH]: perItem(states, (state) => stableStringify(state)),
    'store append (memory)': await storeAppend(`${prefix}s`),
  };
  // The laneKey calls are inside the cache row too: report that row without them.
  parts['cache get × 2 + set × 2'] = parts['cache get × 2 + set × 2']! - parts['laneKey × 2']!;
  return parts;
}

begin();
await executorAlone('w');
await round1('w');
const whole: number[] = [];
const rounds: Parts[] = [];
for (let r = 0; r < RUNS; r++) {
  whole.push(await executorAlone(`r${r}-`));
  rounds.push(await round1(`r${r}-`));
}
const names = Object.keys(rounds[0]!);
const breakdown: Record<string, number> = {};
for (const name of names) breakdown[name] = round(median(rounds.map((parts) => parts[name]!)), 2);
const sum = names.reduce((total, name) => total + (name === OF_WHICH ? 0 : breakdown[name]!), 0);
const executor = median(whole);
breakdown['rest (async frames, objects, book-keeping)'] = round(executor - sum, 2);

report({
  id: 'P2-EXEC',
  workload: `document executor alone, ${fmt(JOBS)} counter INCREMENT jobs / ${fmt(DOCUMENTS)} documents, memory store`,
  result: `${round(executor, 3)} CPU µs/job`,
  goal: '',
  detail: { ...breakdown, runs: RUNS },
  data: { jobs: JOBS, documents: DOCUMENTS, whole, rounds },
});
