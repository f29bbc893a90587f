import { describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import type { ISyncSource } from '../../src/adapters/ports.js';
import { createAction, createDocumentJob } from '../../src/document/create-action.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { defineDocumentModel, ModelRegistry } from '../../src/document/document-model.js';
import { hashState } from '../../src/document/hash.js';
import { JobError, JobErrorCodes, JobValidationError } from '../../src/errors.js';
import type { Operation } from '../../src/types.js';
import { toJob } from '../support/document-fixtures.js';

type Tally = { total: number; notes: string[] };

/** Records rejections; `SPOIL` changes the draft and then throws (the state must stay intact). */
const tallyModel = defineDocumentModel<Tally>({
  documentType: 'test/tally',
  scopes: ['global'],
  initialState: () => ({ global: { total: 0, notes: [] } }),
  onReducerError: 'record',
  reducer(state, action) {
    const by = (action.input as { by?: unknown }).by;
    if (action.type === 'SPOIL') {
      state.total = -1;
      state.notes.push('spoiled');
      throw new Error('spoiled on purpose');
    }
    if (typeof by !== 'number') throw new Error(`ADD needs { by: number }, got ${String(by)}`);
    state.total += by;
    state.notes.push(`+${by}`);
  },
});

const add = (by: unknown, id?: string) =>
  createAction({ type: 'ADD', scope: 'global', input: { by }, id, timestampUtcMs: T });
const T = '2026-01-01T00:00:00.000Z';

function harness(store = new MemoryOperationStore()) {
  const executor = new DocumentJobExecutor({ store, models: new ModelRegistry([tallyModel]) });
  return { store, executor };
}

async function created(h: ReturnType<typeof harness>, documentId = 'd1'): Promise<void> {
  const job = createDocumentJob({
    documentId,
    documentType: tallyModel.documentType,
    scopes: tallyModel.scopes,
  });
  expect((await h.executor.execute(toJob(job))).success).toBe(true);
}

const jobOf = (actions: ReturnType<typeof add>[]) =>
  toJob({ documentId: 'd1', scopes: ['global'], actions });

describe("a model with onReducerError: 'record'", () => {
  it('writes a rejected action as an operation with `error`: index consumed, state and hash kept', async () => {
    const h = harness();
    await created(h);
    const result = await h.executor.execute(
      jobOf([add(2, 'a1'), add('x', 'a2'), { ...add(0, 'a3'), type: 'SPOIL' }, add(3, 'a4')]),
    );

    expect(result.success).toBe(true);
    const ops = result.operations;
    expect(ops.map((op) => op.index)).toEqual([0, 1, 2, 3]);
    expect(ops.map((op) => op.error)).toEqual([
      undefined,
      'ADD needs { by: number }, got x',
      'spoiled on purpose',
      undefined,
    ]);
    const afterFirst = hashState({ total: 2, notes: ['+2'] });
    expect(ops.map((op) => op.hash)).toEqual([
      afterFirst,
      afterFirst,
      afterFirst,
      hashState({ total: 5, notes: ['+2', '+3'] }),
    ]);
    expect(result.metadata?.reducerErrors).toEqual([
      { actionId: 'a2', scope: 'global', operationId: ops[1]?.id, index: 1, error: ops[1]?.error },
      { actionId: 'a3', scope: 'global', operationId: ops[2]?.id, index: 2, error: ops[2]?.error },
    ]);
    expect(await h.executor.getState('d1', 'global', 'main')).toEqual({
      total: 5,
      notes: ['+2', '+3'],
    });
    expect(await h.store.getOperations('d1', 'global', 'main')).toEqual(ops);
  });

  it('reports the errors again on a replay, and rebuilds the lane from the store without them', async () => {
    const h = harness();
    await created(h);
    const job = jobOf([add('no'), add(4)]);
    const first = await h.executor.execute(job);
    const again = await h.executor.execute(job);
    expect(again.metadata?.replayed).toBe(true);
    expect(again.operations).toEqual(first.operations);
    expect(again.metadata?.reducerErrors).toEqual(first.metadata?.reducerErrors);

    // A fresh executor over the same operations stored without snapshots: it re-applies them all.
    const bare = new MemoryOperationStore();
    for (const scope of ['document', 'global']) {
      const operations = await h.store.getOperations('d1', scope, 'main');
      await bare.append({
        documentId: 'd1',
        branch: 'main',
        lanes: [{ scope, expectedHead: -1, operations }],
      });
    }
    expect(await bare.getSnapshot('d1', 'global', 'main')).toBeUndefined();
    const fresh = harness(bare);
    expect(await fresh.executor.getState('d1', 'global', 'main')).toEqual({
      total: 4,
      notes: ['+4'],
    });
    const next = await fresh.executor.execute(jobOf([add(1)]));
    expect(next.operations[0]?.index).toBe(2);
  });

  it('keeps failing the job for a rejected lifecycle action (the header never records)', async () => {
    const h = harness();
    await created(h);
    const again = toJob(
      createDocumentJob({ documentId: 'd1', documentType: 'test/tally', scopes: ['global'] }),
    );
    const result = await h.executor.execute(again);
    expect(result.success).toBe(false);
    expect(result.error?.code).toBe(JobErrorCodes.LIBRARY_ERROR);
  });
});

describe('sync of recorded rejections', () => {
  const sourceOf = (
    remote: MemoryOperationStore,
    rewrite: (op: Operation) => Operation = (op) => op,
  ): ISyncSource => ({
    async pull({ documentId, branch, lanes }) {
      return Promise.all(
        lanes.map(async ({ scope, fromIndex }) => ({
          scope,
          operations: (await remote.getOperations(documentId, scope, branch, fromIndex)).map(
            rewrite,
          ),
        })),
      );
    },
  });

  it('accepts pulled operations that carry `error` without applying them', async () => {
    const remote = harness();
    await created(remote);
    await remote.executor.execute(jobOf([add(1), add(null), add(2)]));
    const local = harness();
    expect(await local.executor.syncFrom(sourceOf(remote.store), jobOf([add(0)]))).toBe(4);
    expect(await local.store.getOperations('d1', 'global', 'main')).toEqual(
      await remote.store.getOperations('d1', 'global', 'main'),
    );
    expect(await local.executor.getState('d1', 'global', 'main')).toEqual({
      total: 3,
      notes: ['+1', '+2'],
    });
  });

  it('accepts them under a rejecting model too: the source recorded them', async () => {
    const remote = harness();
    await created(remote);
    await remote.executor.execute(jobOf([add(null), add(2)]));
    const strict = defineDocumentModel({ ...tallyModel, onReducerError: 'reject' });
    const local = new DocumentJobExecutor({
      store: new MemoryOperationStore(),
      models: new ModelRegistry([strict]),
    });
    expect(await local.syncFrom(sourceOf(remote.store), jobOf([add(0)]))).toBe(3);
    expect(await local.getState('d1', 'global', 'main')).toEqual({ total: 2, notes: ['+2'] });
  });

  it('fails with REBASE_FAILED when a recorded rejection claims another hash', async () => {
    const remote = harness();
    await created(remote);
    await remote.executor.execute(jobOf([add(1), add(null)]));
    const local = harness();
    const source = sourceOf(remote.store, (op) =>
      op.error === undefined ? op : { ...op, hash: 'changed' },
    );
    const failure = await local.executor.syncFrom(source, jobOf([add(0)])).catch((e) => e);
    expect(failure).toBeInstanceOf(JobError);
    expect((failure as JobError).code).toBe(JobErrorCodes.REBASE_FAILED);
    expect((failure as JobError).message).toMatch(/records a rejection but carries hash changed/);
  });
});

describe('defineDocumentModel onReducerError', () => {
  it("rejects anything but 'reject' or 'record', naming the field", () => {
    expect(() =>
      defineDocumentModel({ ...tallyModel, onReducerError: 'skip' as unknown as 'record' }),
    ).toThrow(JobValidationError);
    expect(() =>
      defineDocumentModel({ ...tallyModel, onReducerError: 'skip' as unknown as 'record' }),
    ).toThrow(/onReducerError/);
    expect(defineDocumentModel({ ...tallyModel, onReducerError: undefined }).onReducerError).toBe(
      'reject',
    );
  });
});
