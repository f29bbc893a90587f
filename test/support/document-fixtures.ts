/**
 * Fixtures of the document layer tests: jobs from inputs, an executor over a checked store, and a
 * lane auditor that replays stored operations with the reducer.
 */
import { expect } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import type { IAuthorizer, IOperationStore } from '../../src/adapters/ports.js';
import { applyAction, replayContext } from '../../src/document/apply-action.js';
import { createDocumentJob } from '../../src/document/create-action.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import {
  DOCUMENT_SCOPE,
  type DocumentModel,
  ModelRegistry,
} from '../../src/document/document-model.js';
import { hashState } from '../../src/document/hash.js';
import { counterModel } from '../../src/examples/counter-model.js';
import { todoModel } from '../../src/examples/todo-model.js';
import { type Job, type JobInput, JobStatus } from '../../src/types.js';
import { FaultyOperationStore } from './faulty-operation-store.js';
import { FreezingOperationStore } from './freezing-operation-store.js';

let jobCounter = 0;

/** The job the queue would make of `input`. */
export function toJob(input: JobInput): Job {
  jobCounter += 1;
  return {
    id: input.id ?? `job-${jobCounter}`,
    documentId: input.documentId,
    scopes: input.scopes,
    branch: input.branch ?? 'main',
    actions: input.actions,
    ...(input.resultingHash === undefined ? {} : { resultingHash: input.resultingHash }),
    status: JobStatus.RUNNING,
    createdAt: 0,
    attempts: 1,
  };
}

/** A fixed clock: every call returns the next of `times` (then the last one). */
export function steppingClock(...times: number[]): () => number {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)] ?? 0;
}

export type Harness = {
  /** The real memory store, under the decorators. */
  memory: MemoryOperationStore;
  /** What the executor uses: faults over frozen reads over the memory store. */
  store: FaultyOperationStore;
  models: ModelRegistry;
  executor: DocumentJobExecutor;
};

/** An executor over a fresh memory store, with the counter and todo models. */
export function makeHarness(
  options: { authorizer?: IAuthorizer; cacheSize?: number; now?: () => number } = {},
): Harness {
  const memory = new MemoryOperationStore();
  const store = new FaultyOperationStore(new FreezingOperationStore(memory));
  const models = new ModelRegistry([counterModel, todoModel]);
  const executor = new DocumentJobExecutor({ store, models, ...options });
  return { memory, store, models, executor };
}

/** Creates `documentId` through the executor and checks that it worked. */
export async function createDocument(
  executor: DocumentJobExecutor,
  documentId: string,
  model: DocumentModel = counterModel,
  branch = 'main',
): Promise<void> {
  const job = toJob(
    createDocumentJob({
      documentId,
      documentType: model.documentType,
      scopes: model.scopes,
      branch,
    }),
  );
  const result = await executor.execute(job);
  expect(result.errorMessage).toBeUndefined();
  expect(result.success).toBe(true);
}

/**
 * Replays the lane's stored operations with the reducer from the initial state and asserts that
 * indexes run 0..n-1, each operation's hash is the hash of the replayed state, and the stored
 * snapshot (if any) matches the head. Returns the replayed state and the operation count.
 */
export async function auditLane(
  store: IOperationStore,
  model: DocumentModel,
  documentId: string,
  scope: string,
  branch = 'main',
): Promise<{ state: unknown; count: number }> {
  const operations = await store.getOperations(documentId, scope, branch);
  let state: unknown =
    scope === DOCUMENT_SCOPE ? null : structuredClone(model.initialState()[scope]);
  const ctx = replayContext(documentId, scope, branch);
  for (const [i, operation] of operations.entries()) {
    expect(operation.index).toBe(i);
    if (operation.error === undefined) state = applyAction(model, state, operation.action, ctx);
    expect(operation.hash).toBe(hashState(state));
  }
  expect(await store.getHead(documentId, scope, branch)).toBe(operations.length - 1);
  const snapshot = await store.getSnapshot(documentId, scope, branch);
  if (operations.length > 0) {
    expect(snapshot?.index).toBe(operations.length - 1);
    expect(snapshot?.hash).toBe(hashState(state));
    expect(hashState(snapshot?.state)).toBe(hashState(state));
  }
  return { state, count: operations.length };
}
