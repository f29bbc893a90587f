import { describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import type { IOperationStore, ISyncSource } from '../../src/adapters/ports.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { hashState } from '../../src/document/hash.js';
import { JobError } from '../../src/errors.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import type { Operation } from '../../src/types.js';
import { auditLane, createDocument, makeHarness, toJob } from '../support/document-fixtures.js';

/** A sync source that serves another store's operations, optionally rewritten on the way. */
function syncSourceOf(
  remote: IOperationStore,
  rewrite: (scope: string, operations: Operation[]) => Operation[] = (_, ops) => ops,
): ISyncSource & { requests: { scope: string; fromIndex: number }[][] } {
  const requests: { scope: string; fromIndex: number }[][] = [];
  return {
    requests,
    async pull({ documentId, branch, lanes }) {
      requests.push(lanes);
      return Promise.all(
        lanes.map(async ({ scope, fromIndex }) => ({
          scope,
          operations: rewrite(
            scope,
            await remote.getOperations(documentId, scope, branch, fromIndex),
          ),
        })),
      );
    },
  };
}

const increment = (by: number) => counterActions.increment(by);
const globalJob = (actions = [increment(1)], resultingHash?: string) =>
  toJob({ documentId: 'd1', scopes: ['global'], actions, resultingHash });

/** A remote with d1 created and `count` increments of 1 in `global`. */
async function remoteWith(count: number) {
  const remote = makeHarness();
  await createDocument(remote.executor, 'd1');
  for (let i = 0; i < count; i++) await remote.executor.execute(globalJob());
  return remote;
}

describe('DocumentJobExecutor.syncFrom', () => {
  it('pulls the missing operations from the current heads and rebuilds the lanes', async () => {
    const remote = await remoteWith(3);
    const local = makeHarness();
    const source = syncSourceOf(remote.memory);

    expect(await local.executor.syncFrom(source, globalJob())).toBe(4); // header + 3 increments
    expect(source.requests[0]).toEqual([
      { scope: 'document', fromIndex: 0 },
      { scope: 'global', fromIndex: 0 },
    ]);
    expect(await local.memory.getOperations('d1', 'global', 'main')).toEqual(
      await remote.memory.getOperations('d1', 'global', 'main'),
    );
    expect((await auditLane(local.memory, counterModel, 'd1', 'global')).state).toEqual({
      count: 3,
      label: '',
    });
    expect(await local.executor.getState('d1', 'global', 'main')).toEqual({ count: 3, label: '' });

    await remote.executor.execute(globalJob([increment(10)]));
    expect(await local.executor.syncFrom(source, globalJob())).toBe(1);
    expect(source.requests[1]).toEqual([
      { scope: 'document', fromIndex: 1 },
      { scope: 'global', fromIndex: 3 },
    ]);
    expect(await local.executor.syncFrom(source, globalJob())).toBe(0);
  });

  it('turns a HASH_MISMATCH into a success after sync and one re-apply (the fatal path)', async () => {
    const remote = await remoteWith(0);
    const local = makeHarness();
    const source = syncSourceOf(remote.memory);
    await local.executor.syncFrom(source, globalJob());
    await remote.executor.execute(globalJob([increment(5)])); // local misses this one

    // The client computed the hash on the remote's state: 5 + 1.
    const job = globalJob([increment(1)], hashState({ count: 6, label: '' }));
    const first = await local.executor.execute(job);
    expect(first).toMatchObject({ success: false, errorCode: 90003 });

    expect(await local.executor.syncFrom(source, job)).toBe(1);
    const second = await local.executor.execute(job);
    expect(second.errorMessage).toBeUndefined();
    expect(second.operations[0]?.index).toBe(1);
    await auditLane(local.memory, counterModel, 'd1', 'global');
  });

  const corruptions: [string, (ops: Operation[]) => Operation[]][] = [
    [
      'a forged hash',
      (ops) => ops.map((op, i) => (i === 1 ? { ...op, hash: hashState('forged') } : op)),
    ],
    ['a gap in the indexes', (ops) => ops.filter((_, i) => i !== 0)],
    ['an id that is not the action’s', (ops) => ops.map((op) => ({ ...op, id: 'f'.repeat(32) }))],
    [
      'an action the reducer rejects',
      (ops) => ops.map((op) => ({ ...op, action: { ...op.action, input: { by: 'x' } } })),
    ],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`throws REBASE_FAILED on ${name}, appending nothing`, async () => {
      const remote = await remoteWith(2);
      const local = makeHarness();
      const source = syncSourceOf(remote.memory, (scope, ops) =>
        scope === 'global' ? corrupt(ops) : ops,
      );
      const error = await local.executor.syncFrom(source, globalJob()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobError);
      expect((error as JobError).code).toBe(90004);
      expect((error as JobError).retryable).toBe(false);
      expect(await local.memory.getHead('d1', 'document', 'main')).toBe(-1);
      expect(await local.memory.getHead('d1', 'global', 'main')).toBe(-1);
    });
  }

  it('throws IO_ERROR when the lane moved on while syncing', async () => {
    const remote = await remoteWith(1);
    const local = makeHarness();
    const source = syncSourceOf(remote.memory);
    await local.executor.syncFrom(source, globalJob());
    await remote.executor.execute(globalJob([increment(2)]));
    // Another writer appends to the local lane between the pull and the append.
    const other = new DocumentJobExecutor({ store: local.memory, models: local.models });
    local.store.beforeAppend = async () => {
      local.store.beforeAppend = undefined;
      await other.execute(globalJob([increment(100)]));
    };
    const error = await local.executor.syncFrom(source, globalJob()).catch((e: unknown) => e);
    expect((error as JobError).code).toBe(90006);
    expect((error as JobError).retryable).toBe(true);
    expect(await local.executor.getState('d1', 'global', 'main')).toEqual({
      count: 101,
      label: '',
    });
  });

  it('works on a store shared with nothing cached (cacheSize 0)', async () => {
    const remote = await remoteWith(2);
    const store = new MemoryOperationStore();
    const local = new DocumentJobExecutor({ store, models: remote.models, cacheSize: 0 });
    expect(await local.syncFrom(syncSourceOf(remote.memory), globalJob())).toBe(3);
    expect(await local.getState('d1', 'global', 'main')).toEqual({ count: 2, label: '' });
  });
});
