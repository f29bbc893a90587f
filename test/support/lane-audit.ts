/**
 * The audit after a crash run, through the ports only (any adapter): how each job ended against
 * how it had to end, and every lane against the jobs' actions in enqueue order and against a replay
 * of its operations with the model's reducer. Counts, not a first failure, so a run reports all of
 * what went wrong in one line.
 */
import type { IOperationStore, IQueue } from '../../src/adapters/ports.js';
import { applyAction, replayContext } from '../../src/document/apply-action.js';
import { DOCUMENT_SCOPE, type ModelRegistry } from '../../src/document/document-model.js';
import { hashState } from '../../src/document/hash.js';
import { errorCodeName } from '../../src/errors.js';
import type { CrashJob } from './multiprocess-workload.js';

export type LaneAudit = {
  jobs: number;
  lanes: number;
  operations: number;
  /** Operations of jobs that had to complete, missing from their lane. */
  lost: number;
  /** Operations stored more than once (same action in one lane). */
  duplicated: number;
  /** Operations stored that no completing job has (e.g. of a job that had to fail). */
  unexpected: number;
  /** Lanes not contiguous from 0, or not in the enqueue order of their jobs. */
  outOfOrder: number;
  /** Lanes whose stored hashes or snapshot differ from a replay with the reducer. */
  replayMismatch: number;
  /** Jobs claimed more than once (a killed process's claims, reaped and run again). */
  rerun: number;
  /** Jobs left PENDING or RUNNING. */
  stuck: number;
  /** Jobs finished otherwise than they had to (FAILED for a completing one, or the wrong code). */
  wrongOutcome: number;
  /** The first findings, one line each. */
  findings: string[];
};

const BRANCH = 'main';
const MAX_FINDINGS = 20;

export async function auditLanes(
  queue: IQueue,
  store: IOperationStore,
  jobs: readonly CrashJob[],
  models: ModelRegistry,
): Promise<LaneAudit> {
  const audit: LaneAudit = {
    jobs: jobs.length,
    lanes: 0,
    operations: 0,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    outOfOrder: 0,
    replayMismatch: 0,
    rerun: 0,
    stuck: 0,
    wrongOutcome: 0,
    findings: [],
  };
  const find = (line: string) => {
    if (audit.findings.length < MAX_FINDINGS) audit.findings.push(line);
  };

  // The job of each action id, to name the job behind an unexpected operation.
  const byAction = new Map<string, string>();
  for (const { input } of jobs)
    for (const action of input.actions) byAction.set(action.id, input.id);
  // Each lane's action ids, in the enqueue order of the jobs that had to complete.
  const lanes = new Map<string, { documentId: string; scope: string; ids: string[] }>();
  for (const { input, expect } of jobs) {
    for (const scope of input.scopes) {
      const key = JSON.stringify([input.documentId, scope]);
      if (!lanes.has(key)) lanes.set(key, { documentId: input.documentId, scope, ids: [] });
    }
    if (expect === 'COMPLETED') {
      for (const action of input.actions) {
        lanes.get(JSON.stringify([input.documentId, action.scope]))?.ids.push(action.id);
      }
    }
    const job = await queue.get(input.id);
    if ((job?.attempts ?? 0) > 1) audit.rerun += 1;
    const ended =
      job === undefined
        ? 'NOT_ENQUEUED'
        : job.status === 'FAILED'
          ? errorCodeName(job.lastError?.code ?? 0)
          : job.status;
    if (ended === 'PENDING' || ended === 'RUNNING') {
      audit.stuck += 1;
      find(`${input.id}: left ${ended}`);
    } else if (ended !== expect) {
      audit.wrongOutcome += 1;
      find(`${input.id}: ${ended}, expected ${expect} (${job?.lastError?.message ?? ''})`);
    }
  }
  audit.lanes = lanes.size;

  for (const { documentId, scope, ids } of lanes.values()) {
    const name = `${documentId}/${scope}`;
    const operations = await store.getOperations(documentId, scope, BRANCH);
    audit.operations += operations.length;
    const stored = operations.map((operation) => operation.action.id);
    const storedOnce = new Set(stored);
    const wanted = new Set(ids);
    const duplicated = stored.length - storedOnce.size;
    const lost = ids.filter((id) => !storedOnce.has(id)).length;
    const strays = [...storedOnce].filter((id) => !wanted.has(id));
    const unexpected = strays.length;
    audit.duplicated += duplicated;
    audit.lost += lost;
    audit.unexpected += unexpected;
    if (duplicated + lost + unexpected > 0) {
      const which =
        unexpected > 0
          ? ` (${strays
              .slice(0, 3)
              .map((id) => byAction.get(id) ?? id)
              .join(', ')})`
          : '';
      find(`${name}: ${lost} lost, ${duplicated} duplicated, ${unexpected} unexpected${which}`);
    }
    // Order: indexes 0..n-1, and the actions that are there come in the order of their jobs.
    const firsts = stored.filter((id, i) => stored.indexOf(id) === i && wanted.has(id));
    const inOrder = ids.filter((id) => storedOnce.has(id));
    if (
      operations.some((operation, i) => operation.index !== i) ||
      firsts.join('\n') !== inOrder.join('\n')
    ) {
      audit.outOfOrder += 1;
      find(`${name}: not contiguous from 0 in enqueue order`);
    }
    if (!(await replays(store, models, documentId, scope, operations))) {
      audit.replayMismatch += 1;
      find(`${name}: stored hashes or snapshot differ from a replay`);
    }
  }
  return audit;
}

/** Whether every stored hash and the lane's snapshot equal a replay of its operations. */
async function replays(
  store: IOperationStore,
  models: ModelRegistry,
  documentId: string,
  scope: string,
  operations: Awaited<ReturnType<IOperationStore['getOperations']>>,
): Promise<boolean> {
  const header = await store.getOperations(documentId, DOCUMENT_SCOPE, BRANCH, 0);
  const documentType = (header[0]?.action.input as { documentType?: string } | undefined)
    ?.documentType;
  const model = documentType === undefined ? undefined : models.get(documentType);
  let state: unknown = scope === DOCUMENT_SCOPE ? null : model?.initialState()[scope];
  const ctx = replayContext(documentId, scope, BRANCH);
  const states: string[] = [];
  for (const operation of operations) {
    try {
      state = applyAction(model, structuredClone(state), operation.action, ctx);
    } catch {
      return false;
    }
    const hash = hashState(state);
    if (hash !== operation.hash) return false;
    states.push(hash);
  }
  const snapshot = await store.getSnapshot(documentId, scope, BRANCH);
  if (operations.length === 0) return snapshot === undefined;
  return (
    snapshot !== undefined &&
    snapshot.index === operations.length - 1 &&
    hashState(snapshot.state) === states.at(-1) &&
    snapshot.hash === states.at(-1)
  );
}

/** `lost 0, duplicated 0, …`: the counts of an audit, for a summary line. */
export function formatAudit(audit: LaneAudit): string {
  return [
    `jobs ${audit.jobs}`,
    `lanes ${audit.lanes}`,
    `operations ${audit.operations}`,
    `lost ${audit.lost}`,
    `duplicated ${audit.duplicated}`,
    `unexpected ${audit.unexpected}`,
    `out of order ${audit.outOfOrder}`,
    `replay mismatch ${audit.replayMismatch}`,
    `stuck ${audit.stuck}`,
    `re-run ${audit.rerun}`,
    `wrong outcome ${audit.wrongOutcome}`,
  ].join(', ');
}
