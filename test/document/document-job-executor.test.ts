import { describe, expect, it } from 'vitest';
import {
  createAction,
  createDocumentJob,
  deleteDocumentJob,
} from '../../src/document/create-action.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { defineDocumentModel, ModelRegistry } from '../../src/document/document-model.js';
import { hashScopes, hashState } from '../../src/document/hash.js';
import { operationId } from '../../src/document/operation-id.js';
import { counterActions, counterModel, todoActions, todoModel } from '../../src/examples/index.js';
import {
  auditLane,
  createDocument,
  makeHarness,
  steppingClock,
  toJob,
} from '../support/document-fixtures.js';

const increment = (by: number, scope: 'global' | 'local' = 'global') =>
  counterActions.increment(by, scope);

describe('DocumentJobExecutor', () => {
  describe('creating a document', () => {
    it('writes one operation in the document lane and none in the model lanes', async () => {
      const { executor, memory } = makeHarness();
      const job = toJob(
        createDocumentJob({
          documentId: 'd1',
          documentType: 'seriatim/counter',
          scopes: counterModel.scopes,
        }),
      );
      const result = await executor.execute(job);

      expect(result.success).toBe(true);
      expect(result.operations).toHaveLength(1);
      const [operation] = result.operations;
      const header = {
        documentType: 'seriatim/counter',
        createdAt: job.actions[0]!.timestampUtcMs,
        deleted: false,
      };
      expect(operation).toEqual({
        id: operationId('d1', 'document', 'main', job.actions[0]!.id),
        index: 0,
        skip: 0,
        hash: hashState(header),
        timestampUtcMs: job.actions[0]!.timestampUtcMs,
        action: job.actions[0],
      });
      expect(await memory.getOperations('d1', 'document', 'main')).toEqual([operation]);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
      expect(await memory.getHead('d1', 'local', 'main')).toBe(-1);
      expect(result.metadata).toMatchObject({ replayed: false, documentType: 'seriatim/counter' });
    });

    it('gives the model lanes their initial state', async () => {
      const { executor } = makeHarness();
      await createDocument(executor, 'd1');
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 0, label: '' });
      expect(await executor.getState('d1', 'document', 'main')).toMatchObject({
        documentType: 'seriatim/counter',
        deleted: false,
      });
    });

    it('fails with LIBRARY_ERROR when the document exists', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1');
      const again = toJob(
        createDocumentJob({
          documentId: 'd1',
          documentType: 'seriatim/counter',
          scopes: counterModel.scopes,
        }),
      );
      const result = await executor.execute(again);
      expect(result).toMatchObject({ success: false, errorCode: 90005 });
      expect(result.errorMessage).toMatch(/already exists/);
      expect(result.error?.retryable).toBe(false);
      expect(await memory.getHead('d1', 'document', 'main')).toBe(0);
    });

    it('keeps documents apart by branch', async () => {
      const { executor } = makeHarness();
      await createDocument(executor, 'd1', counterModel, 'main');
      await createDocument(executor, 'd1', counterModel, 'draft');
      await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], branch: 'draft', actions: [increment(4)] }),
      );
      expect(await executor.getState('d1', 'global', 'draft')).toEqual({ count: 4, label: '' });
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 0, label: '' });
    });
  });

  describe('applying actions', () => {
    it('writes one operation per action, indexes following the lane head, hashes of the state after each', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1');
      const first = await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(2), increment(3)] }),
      );
      expect(first.success).toBe(true);
      expect(first.operations.map((op) => op.index)).toEqual([0, 1]);
      expect(first.operations.map((op) => op.hash)).toEqual([
        hashState({ count: 2, label: '' }),
        hashState({ count: 5, label: '' }),
      ]);
      const second = await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [counterActions.setLabel('x')] }),
      );
      expect(second.operations.map((op) => op.index)).toEqual([2]);
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 5, label: 'x' });
      expect((await auditLane(memory, counterModel, 'd1', 'global')).count).toBe(3);
    });

    it('applies a multi-scope job to each scope in order', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1', todoModel);
      const result = await executor.execute(
        toJob({
          documentId: 'd1',
          scopes: ['global', 'local'],
          actions: [
            todoActions.add('t1', 'a'),
            todoActions.add('t1', 'b', 'local'),
            todoActions.toggle('t1'),
          ],
        }),
      );
      expect(result.success).toBe(true);
      expect(result.operations.map((op) => [op.action.scope, op.index])).toEqual([
        ['global', 0],
        ['local', 0],
        ['global', 1],
      ]);
      expect(await executor.getState('d1', 'global', 'main')).toEqual({
        todos: [{ id: 't1', text: 'a', done: true }],
      });
      expect(await executor.getState('d1', 'local', 'main')).toEqual({
        todos: [{ id: 't1', text: 'b', done: false }],
      });
      await auditLane(memory, todoModel, 'd1', 'global');
      await auditLane(memory, todoModel, 'd1', 'local');
    });

    it('accepts a reducer that returns a new state, and collects dispatched actions', async () => {
      const followUp = createAction({ type: 'NOTE', scope: 'global', input: {} });
      const model = defineDocumentModel<{ items: number[] }>({
        documentType: 'test/immutable',
        scopes: ['global'],
        initialState: () => ({ global: { items: [] } }),
        reducer(state, action, ctx) {
          if (ctx.scope !== action.scope || ctx.documentId !== 'd1' || ctx.branch !== 'main') {
            throw new Error('bad context');
          }
          ctx.dispatch(followUp);
          return { items: [...state.items, (action.input as { n: number }).n] };
        },
      });
      const { store } = makeHarness();
      const executor = new DocumentJobExecutor({ store, models: new ModelRegistry([model]) });
      await createDocument(executor, 'd1', model);
      const act = (n: number) => createAction({ type: 'PUSH', scope: 'global', input: { n } });
      const result = await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [act(1), act(2)] }),
      );
      expect(result.success).toBe(true);
      expect(result.metadata?.dispatched).toEqual([followUp, followUp]);
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ items: [1, 2] });
      expect(await store.getOperations('d1', 'global', 'main')).toHaveLength(2);
    });

    it('never mutates states it loaded (the store deep-freezes them)', async () => {
      const { executor } = makeHarness({ cacheSize: 0 });
      await createDocument(executor, 'd1');
      for (let i = 0; i < 3; i++) {
        const result = await executor.execute(
          toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(1)] }),
        );
        expect(result.errorMessage).toBeUndefined();
      }
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 3, label: '' });
    });

    it('catches up from operations when the stored snapshot lags behind the head', async () => {
      const { executor, store, models } = makeHarness();
      await createDocument(executor, 'd1');
      await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(2)] }),
      );
      // A writer that stores no snapshots: the store's snapshot stays at index 0.
      store.beforeAppend = (request) => {
        for (const lane of request.lanes) delete lane.snapshot;
      };
      await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(3), increment(4)] }),
      );
      expect((await store.getSnapshot('d1', 'global', 'main'))?.index).toBe(0);

      const fresh = new DocumentJobExecutor({ store, models });
      expect(await fresh.getState('d1', 'global', 'main')).toEqual({ count: 9, label: '' });
      const next = await fresh.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(1)] }),
      );
      expect(next.operations[0]).toMatchObject({
        index: 3,
        hash: hashState({ count: 10, label: '' }),
      });
    });

    it('returns copies from getState that callers may mutate', async () => {
      const { executor } = makeHarness();
      await createDocument(executor, 'd1');
      const state = (await executor.getState('d1', 'global', 'main')) as { count: number };
      state.count = 99;
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 0, label: '' });
    });

    it('getState is undefined for a missing document, a deleted one and an unknown scope', async () => {
      const { executor } = makeHarness();
      expect(await executor.getState('nope', 'global', 'main')).toBeUndefined();
      expect(await executor.getState('nope', 'document', 'main')).toBeUndefined();
      await createDocument(executor, 'd1');
      expect(await executor.getState('d1', 'other', 'main')).toBeUndefined();
      await executor.execute(
        toJob(
          deleteDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          }),
        ),
      );
      expect(await executor.getState('d1', 'global', 'main')).toBeUndefined();
      expect(await executor.getState('d1', 'document', 'main')).toMatchObject({ deleted: true });
    });

    it('measures duration with the injected clock', async () => {
      const { executor } = makeHarness({ now: steppingClock(1_000, 1_250) });
      const result = await executor.execute(
        toJob(
          createDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          }),
        ),
      );
      expect(result.duration).toBe(250);
      expect(result.completedAt).toBe(new Date(1_250).toISOString());
    });
  });

  describe('re-running a finished job', () => {
    it('writes nothing and returns the same operations', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1');
      const job = toJob({
        documentId: 'd1',
        scopes: ['global', 'local'],
        actions: [increment(1), increment(2, 'local'), increment(3)],
      });
      const first = await executor.execute(job);
      const second = await executor.execute(job);

      expect(second.success).toBe(true);
      expect(second.metadata?.replayed).toBe(true);
      expect(second.operations).toEqual(first.operations);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(1);
      expect(await memory.getHead('d1', 'local', 'main')).toBe(0);
    });

    it('replays a job whose actions fail on the state that holds them, and one on a deleted document', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1', todoModel);
      const add = toJob({
        documentId: 'd1',
        scopes: ['global'],
        actions: [todoActions.add('t1', 'x')],
      });
      const first = await executor.execute(add);
      // Adding t1 again throws in the reducer: the replay lookup decides before that is reported.
      const second = await executor.execute(add);
      expect(second).toMatchObject({ success: true, metadata: { replayed: true } });
      expect(second.operations).toEqual(first.operations);

      const deletion = toJob(
        deleteDocumentJob({
          documentId: 'd1',
          documentType: todoModel.documentType,
          scopes: todoModel.scopes,
        }),
      );
      expect((await executor.execute(deletion)).success).toBe(true);
      expect(await executor.execute(add)).toMatchObject({
        success: true,
        metadata: { replayed: true },
      });
      expect(await memory.getHead('d1', 'global', 'main')).toBe(0);
    });

    it('replays a creation, even though the document now exists', async () => {
      const { executor } = makeHarness();
      const job = toJob(
        createDocumentJob({
          documentId: 'd1',
          documentType: 'seriatim/counter',
          scopes: counterModel.scopes,
        }),
      );
      const first = await executor.execute(job);
      const second = await executor.execute(job);
      expect(second).toMatchObject({
        success: true,
        operations: first.operations,
        metadata: { replayed: true },
      });
    });

    it('returns the stored operations when the append itself finds them written (a crash after commit)', async () => {
      const { executor, memory, store } = makeHarness();
      await createDocument(executor, 'd1');
      const job = toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(1)] });
      // The replay lookup misses (as if it ran before a concurrent commit of the same job) …
      store.beforeAppend = async (request) => {
        store.beforeAppend = undefined;
        await memory.append(request);
      };
      const result = await executor.execute(job);
      expect(result).toMatchObject({ success: true, metadata: { replayed: true } });
      expect(result.operations).toHaveLength(1);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(0);
      // … and the cache was dropped: the next job sees the right head.
      const next = await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(1)] }),
      );
      expect(next.operations[0]?.index).toBe(1);
    });
  });

  describe('resultingHash', () => {
    it('passes when it is the hash of the single scope', async () => {
      const { executor } = makeHarness();
      await createDocument(executor, 'd1');
      const result = await executor.execute(
        toJob({
          documentId: 'd1',
          scopes: ['global'],
          actions: [increment(7)],
          resultingHash: hashState({ count: 7, label: '' }),
        }),
      );
      expect(result.success).toBe(true);
    });

    it('is compared with hashScopes over the sorted scopes for several scopes', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1');
      const expected = hashScopes({
        local: { count: 2, label: '' },
        global: { count: 1, label: '' },
      });
      const actions = () => [increment(1), increment(2, 'local')];
      const ok = await executor.execute(
        toJob({
          documentId: 'd1',
          scopes: ['local', 'global'],
          actions: actions(),
          resultingHash: expected,
        }),
      );
      expect(ok.success).toBe(true);

      // The single-scope hash of one of them is not accepted for a two-scope job.
      const wrong = await executor.execute(
        toJob({
          documentId: 'd1',
          scopes: ['global', 'local'],
          actions: actions(),
          resultingHash: hashState({ count: 2, label: '' }),
        }),
      );
      expect(wrong).toMatchObject({ success: false, errorCode: 90003 });
      expect(await memory.getHead('d1', 'global', 'main')).toBe(0);
    });

    it('covers untouched scopes of the job too', async () => {
      const { executor } = makeHarness();
      await createDocument(executor, 'd1');
      const result = await executor.execute(
        toJob({
          documentId: 'd1',
          scopes: ['global', 'local'],
          actions: [increment(1)],
          resultingHash: hashScopes({
            global: { count: 1, label: '' },
            local: { count: 0, label: '' },
          }),
        }),
      );
      expect(result.success).toBe(true);
    });
  });

  describe('deleting a document', () => {
    it('marks it deleted; later jobs fail with DOCUMENT_NOT_FOUND; it can be created again', async () => {
      const { executor, memory } = makeHarness();
      await createDocument(executor, 'd1');
      await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(5)] }),
      );
      const deletion = await executor.execute(
        toJob(
          deleteDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          }),
        ),
      );
      expect(deletion.success).toBe(true);
      expect(deletion.operations.map((op) => [op.action.scope, op.index])).toEqual([
        ['document', 1],
      ]);

      const late = await executor.execute(
        toJob({ documentId: 'd1', scopes: ['global'], actions: [increment(1)] }),
      );
      expect(late).toMatchObject({ success: false, errorCode: 90008 });
      const again = await executor.execute(
        toJob(
          deleteDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          }),
        ),
      );
      expect(again).toMatchObject({ success: false, errorCode: 90008 });

      await createDocument(executor, 'd1');
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 5, label: '' });
      await auditLane(memory, counterModel, 'd1', 'document');
    });

    it('refuses to re-create a deleted document as another type', async () => {
      const { executor } = makeHarness();
      await createDocument(executor, 'd1');
      await executor.execute(
        toJob(
          deleteDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          }),
        ),
      );
      const result = await executor.execute(
        toJob(
          createDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/todo',
            scopes: todoModel.scopes,
          }),
        ),
      );
      expect(result).toMatchObject({ success: false, errorCode: 90005 });
      expect(result.errorMessage).toMatch(/deleted as a 'seriatim\/counter'/);
    });
  });
});
