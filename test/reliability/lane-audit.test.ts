/**
 * The crash tests' audit finds what it must: a clean run audits to zeros, and a lost, duplicated
 * or reordered operation, a stuck job or a wrong outcome each shows up in its own count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import {
  MemoryEventBus,
  MemoryOperationStore,
  MemoryQueue,
} from '../../src/adapters/memory/index.js';
import type { IOperationStore, IQueue } from '../../src/adapters/ports.js';
import { systemClock } from '../../src/clock.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { counterModel, todoModel } from '../../src/examples/index.js';
import type { Operation } from '../../src/types.js';
import { auditLanes } from '../support/lane-audit.js';
import { type CrashJob, crashWorkload } from '../support/multiprocess-workload.js';

const models = new ModelRegistry([counterModel, todoModel]);
const LANE = 'doc-001/global';

/** `store` with the operations of {@link LANE} passed through `edit`. */
function tampered(
  store: IOperationStore,
  edit: (ops: Operation[]) => Operation[],
): IOperationStore {
  return {
    getOperations: async (documentId, scope, branch, from) => {
      const ops = await store.getOperations(documentId, scope, branch, from);
      return `${documentId}/${scope}` === LANE ? edit([...ops]) : ops;
    },
    getHead: (...args) => store.getHead(...args),
    getSnapshot: (...args) => store.getSnapshot(...args),
    findOperations: (...args) => store.findOperations(...args),
    append: (request) => store.append(request),
    close: () => store.close(),
  };
}

describe('lane audit', () => {
  let jobs: CrashJob[];
  let queue: MemoryQueue;
  let store: MemoryOperationStore;

  beforeAll(async () => {
    jobs = crashWorkload(4, 12, { rejectEvery: 10 });
    const bus = new MemoryEventBus();
    queue = new MemoryQueue({ bus, clock: systemClock });
    store = new MemoryOperationStore();
    const manager = new JobExecutorManager({
      queue,
      bus,
      executor: new DocumentJobExecutor({ store, models }),
    });
    let finished = 0;
    const all = new Promise<void>((resolve) => {
      const count = () => {
        finished += 1;
        if (finished === jobs.length) resolve();
      };
      manager.on('jobCompleted', count);
      manager.on('jobFailed', count);
    });
    await queue.enqueueMany(jobs.map((job) => job.input));
    await manager.start();
    await all;
    await manager.stop(true);
    manager.dispose();
    expect(jobs.some((job) => job.expect === 'LIBRARY_ERROR')).toBe(true);
  });

  it('a clean run audits to zeros', async () => {
    const audit = await auditLanes(queue, store, jobs, models);
    expect(audit.findings).toEqual([]);
    expect(audit).toMatchObject({ jobs: 48, lanes: 12, lost: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('counts a lost operation', async () => {
    const audit = await auditLanes(
      queue,
      tampered(store, (ops) => ops.slice(0, -1)),
      jobs,
      models,
    );
    expect(audit).toMatchObject({ lost: 1, duplicated: 0, outOfOrder: 0, replayMismatch: 1 });
  });

  it('counts a duplicated operation', async () => {
    const edit = (ops: Operation[]) => [...ops, { ...(ops[1] as Operation), index: ops.length }];
    const audit = await auditLanes(queue, tampered(store, edit), jobs, models);
    expect(audit).toMatchObject({ lost: 0, duplicated: 1, outOfOrder: 0 });
  });

  it('counts a lane out of order', async () => {
    const edit = (ops: Operation[]) =>
      [ops[0], ops[2], ops[1], ...ops.slice(3)].map((op, index) => ({
        ...(op as Operation),
        index,
      }));
    const audit = await auditLanes(queue, tampered(store, edit), jobs, models);
    expect(audit).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 1 });
  });

  it('counts a stuck job and a wrong outcome', async () => {
    const rejected = jobs.find((job) => job.expect === 'LIBRARY_ERROR')?.input.id;
    const view: IQueue = Object.create(queue);
    view.get = async (id) => {
      const job = await queue.get(id);
      if (job === undefined) return job;
      if (id === 'job-5') return { ...job, status: 'RUNNING' };
      if (id === rejected) return { ...job, status: 'COMPLETED' };
      return job;
    };
    const audit = await auditLanes(view, store, jobs, models);
    expect(audit).toMatchObject({ stuck: 1, wrongOutcome: 1, lost: 0 });
  });
});
