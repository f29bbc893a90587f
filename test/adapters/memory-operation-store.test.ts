import { describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import { makeOperation, makeOperations } from '../conformance/fixtures.js';

const doc = { documentId: 'doc-1', branch: 'main' };

describe('MemoryOperationStore', () => {
  it('hands out the stored operations and snapshot state as given, without copying', async () => {
    const store = new MemoryOperationStore();
    const ops = makeOperations('a', 0, 1);
    const state = { items: [1, 2] };
    await store.append({
      ...doc,
      lanes: [{ scope: 'a', expectedHead: -1, operations: ops, snapshot: { state, hash: 'h' } }],
    });
    expect((await store.getOperations('doc-1', 'a', 'main'))[0]).toBe(ops[0]);
    expect((await store.getSnapshot('doc-1', 'a', 'main'))?.state).toBe(state);
  });

  it('refuses a request that stores an operation id twice, writing nothing', async () => {
    const store = new MemoryOperationStore();
    const first = makeOperation('a', 0, { key: 'x' });
    await store.append({ ...doc, lanes: [{ scope: 'a', expectedHead: -1, operations: [first] }] });
    // Partly stored: `first` again (under a new index) with a new operation.
    const again = { ...first, index: 1 };
    await expect(
      store.append({
        ...doc,
        lanes: [
          { scope: 'a', expectedHead: 0, operations: [again, makeOperation('a', 2, { key: 'y' })] },
        ],
      }),
    ).rejects.toThrow(/already stored/);
    expect(await store.getHead('doc-1', 'a', 'main')).toBe(0);
  });

  it('refuses a request that names a scope twice', async () => {
    const store = new MemoryOperationStore();
    await expect(
      store.append({
        ...doc,
        lanes: [
          { scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) },
          { scope: 'a', expectedHead: -1, operations: [] },
        ],
      }),
    ).rejects.toThrow(/twice/);
    expect(await store.getHead('doc-1', 'a', 'main')).toBe(-1);
  });

  it('answers each ref in order, a ref given twice twice', async () => {
    const store = new MemoryOperationStore();
    const ops = makeOperations('a', 0, 1);
    await store.append({ ...doc, lanes: [{ scope: 'a', expectedHead: -1, operations: ops }] });
    const ref = { scope: 'a', id: ops[0]?.id as string };
    expect(await store.findOperations('doc-1', 'main', [ref, ref])).toEqual([ops[0], ops[0]]);
  });

  it('treats a fence-only request as a check that writes nothing and is not a replay', async () => {
    const store = new MemoryOperationStore();
    expect(
      await store.append({
        ...doc,
        lanes: [
          { scope: 'a', expectedHead: -1, operations: [], snapshot: { state: 1, hash: 'h' } },
        ],
      }),
    ).toEqual({ operations: [], replayed: false });
    expect(await store.getSnapshot('doc-1', 'a', 'main')).toBeUndefined();
  });
});
