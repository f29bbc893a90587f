/**
 * Verification after a run: every lane of the workload is contiguous from index 0, every stored
 * hash equals a replay of the lane with the reducer, and the lane holds exactly the operations of
 * the workload's completed jobs, each once, in enqueue order.
 * @module
 */
import type { IOperationStore, IQueue } from '../adapters/ports.js';
import { applyAction, replayContext } from '../document/apply-action.js';
import { DOCUMENT_SCOPE, type DocumentModel } from '../document/document-model.js';
import { hashState } from '../document/hash.js';
import { operationId } from '../document/operation-id.js';
import { errorCodeName } from '../errors.js';
import { laneKey } from '../lane-key.js';
import type { Workload } from './workload.js';

/** Outcome of a verification. */
export type Verdict = {
  ok: boolean;
  lanes: number;
  operations: number;
  /** Jobs of the workload by final state: `COMPLETED`, an error name, `PENDING`, `NOT_ENQUEUED`. */
  outcomes: Map<string, number>;
  /** The first violations found (at most 20), one line each. */
  violations: string[];
  violationCount: number;
};

const MAX_LISTED = 20;
const BRANCH = 'main';

/**
 * Checks the store against the workload and the queue's record of each job.
 * @example
 * const verdict = await verifyRun(reactor.queue, reactor.store, workload);
 */
export async function verifyRun(
  queue: IQueue,
  store: IOperationStore,
  workload: Workload,
): Promise<Verdict> {
  const violations: string[] = [];
  let violationCount = 0;
  const violate = (message: string) => {
    violationCount += 1;
    if (violations.length < MAX_LISTED) violations.push(message);
  };
  const outcomes = new Map<string, number>();
  const models = new Map<string, DocumentModel | undefined>();
  for (const doc of workload.documents) models.set(doc.id, doc.model);
  // Operation ids each lane must hold, in order: the actions of completed jobs, in enqueue order.
  const expected = new Map<string, { documentId: string; scope: string; ids: string[] }>();
  const lane = (documentId: string, scope: string) => {
    const key = laneKey(documentId, scope, 'main'); // the workload runs on `main`
    let entry = expected.get(key);
    if (!entry) {
      entry = { documentId, scope, ids: [] };
      expected.set(key, entry);
    }
    return entry;
  };

  for (const job of workload.jobs) {
    if (!models.has(job.documentId)) models.set(job.documentId, undefined);
    for (const scope of job.scopes) lane(job.documentId, scope);
    const stored = await queue.get(job.id);
    const outcome = !stored
      ? 'NOT_ENQUEUED'
      : stored.status === 'FAILED'
        ? errorCodeName(stored.lastError?.code ?? 0)
        : stored.status;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (stored?.status !== 'COMPLETED') continue;
    for (const action of job.actions) {
      lane(job.documentId, action.scope).ids.push(
        operationId(job.documentId, action.scope, BRANCH, action.id),
      );
    }
  }

  let operations = 0;
  for (const { documentId, scope, ids } of expected.values()) {
    const name = `${documentId}/${scope}`;
    const model = models.get(documentId);
    const ops = await store.getOperations(documentId, scope, BRANCH);
    operations += ops.length;
    let state: unknown = scope === DOCUMENT_SCOPE ? null : model?.initialState()[scope];
    const ctx = replayContext(documentId, scope, BRANCH);
    for (const [i, op] of ops.entries()) {
      if (op.index !== i) {
        violate(`${name}: operation ${i} has index ${op.index} (not contiguous from 0)`);
        break;
      }
      if (op.id !== operationId(documentId, scope, BRANCH, op.action.id)) {
        violate(`${name}#${i}: id ${op.id} is not the id of its action ${op.action.id}`);
      }
      try {
        // A recorded reducer rejection holds its index and changed nothing.
        if (op.error === undefined) state = applyAction(model, state, op.action, ctx);
      } catch (error) {
        violate(`${name}#${i}: replay throws: ${(error as Error).message}`);
        break;
      }
      if (hashState(state) !== op.hash) {
        violate(`${name}#${i}: stored hash ${op.hash} ≠ replayed ${hashState(state)}`);
        break;
      }
    }
    const actual = ops.map((op) => op.id);
    const first = firstDifference(actual, ids);
    if (first !== -1) {
      const seen = new Set<string>();
      const twice = actual.filter((id) => seen.size === seen.add(id).size).length;
      const missing = ids.filter((id) => !actual.includes(id)).length;
      violate(
        `${name}: holds ${actual.length} operations, expected ${ids.length} ` +
          `(first difference at index ${first}; ${missing} missing, ${twice} duplicated)`,
      );
    }
  }
  return {
    ok: violationCount === 0,
    lanes: expected.size,
    operations,
    outcomes,
    violations,
    violationCount,
  };
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** The verdict as printed lines. */
export function formatVerdict(verdict: Verdict): string {
  const head = verdict.ok
    ? `verification: passed — ${verdict.lanes} lanes, ${verdict.operations} operations: contiguous, hashes replayed, every completed job applied exactly once, in order`
    : `verification: FAILED — ${verdict.violationCount} violation(s) in ${verdict.lanes} lanes`;
  const more = verdict.violationCount - verdict.violations.length;
  return [
    head,
    ...verdict.violations.map((line) => `  ✗ ${line}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ].join('\n');
}
