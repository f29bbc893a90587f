import { describe, expect, it } from 'vitest';
import { counterActions, counterModel, todoActions, todoModel } from '../../src/examples/index.js';
import {
  ConfigError,
  createReactor,
  hashState,
  JobErrorCodes,
  JobValidationError,
  type Reactor,
} from '../../src/index.js';
import { runUntil, SimulatedClock } from '../support/clock.js';

async function memoryReactor(extra: Partial<Parameters<typeof createReactor>[0]> = {}) {
  const clock = new SimulatedClock();
  clock.set(Date.UTC(2026, 0, 1));
  const reactor = await createReactor({ models: [counterModel, todoModel], clock, ...extra });
  return { reactor, clock };
}

async function allFinished(reactor: Reactor, clock: SimulatedClock, ids: string[]) {
  const done = new Set<string>();
  const off1 = reactor.manager.on('jobCompleted', ({ job }) => done.add(job.id));
  const off2 = reactor.manager.on('jobFailed', ({ job }) => done.add(job.id));
  for (const id of ids) {
    const job = await reactor.queue.get(id);
    if (job?.status === 'COMPLETED' || job?.status === 'FAILED') done.add(id);
  }
  await runUntil(clock, () => ids.every((id) => done.has(id)));
  off1();
  off2();
}

describe('createReactor (memory)', () => {
  it('creates documents, applies jobs in lane order, and stores contiguous operations with matching hashes', async () => {
    const { reactor, clock } = await memoryReactor();
    await reactor.start({ maxConcurrency: 4 });
    const created = await reactor.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    const ids = [created.id];
    for (let i = 1; i <= 20; i++) {
      const job = await reactor.submit({
        documentId: 'c1',
        scopes: i % 5 === 0 ? ['global', 'local'] : ['global'],
        actions:
          i % 5 === 0
            ? [counterActions.increment(i, 'global'), counterActions.increment(1, 'local')]
            : [counterActions.increment(i, 'global')],
      });
      ids.push(job.id);
    }
    await allFinished(reactor, clock, ids);
    const ops = await reactor.store.getOperations('c1', 'global', 'main');
    expect(ops.map((op) => op.index)).toEqual([...Array(20).keys()]);
    expect(ops.map((op) => (op.action.input as { by: number }).by)).toEqual(
      [...Array(20).keys()].map((i) => i + 1),
    );
    const state = await reactor.getState('c1', 'global');
    expect(state).toMatchObject({ count: 210 });
    expect(ops.at(-1)!.hash).toBe(hashState(state));
    expect(await reactor.getState('c1', 'local')).toMatchObject({ count: 4 });
    await reactor.close();
  });

  it('fails a mutation of a missing document with DOCUMENT_NOT_FOUND, without retrying', async () => {
    const { reactor } = await memoryReactor();
    await reactor.start();
    const job = await reactor.submit({
      documentId: 'ghost',
      scopes: ['global'],
      actions: [counterActions.increment(1)],
    });
    const result = await reactor.manager.watch(job.id);
    expect(result.success).toBe(false);
    expect(result.errorCode).toBe(JobErrorCodes.DOCUMENT_NOT_FOUND);
    expect(result.job.attempts).toBe(1);
    await reactor.close();
  });

  it('keeps going after a reducer rejects an action (continue policy): the lane state is unchanged', async () => {
    const { reactor, clock } = await memoryReactor();
    await reactor.start();
    const created = await reactor.createDocument({
      documentId: 't1',
      documentType: todoModel.documentType,
    });
    const ok = await reactor.submit({
      documentId: 't1',
      scopes: ['global'],
      actions: [todoActions.add('x', 'buy milk')],
    });
    const bad = await reactor.submit({
      documentId: 't1',
      scopes: ['global'],
      actions: [todoActions.add('x', 'again')],
    });
    const after = await reactor.submit({
      documentId: 't1',
      scopes: ['global'],
      actions: [todoActions.toggle('x')],
    });
    await allFinished(reactor, clock, [created.id, ok.id, bad.id, after.id]);
    expect((await reactor.manager.watch(bad.id)).errorCode).toBe(JobErrorCodes.LIBRARY_ERROR);
    const ops = await reactor.store.getOperations('t1', 'global', 'main');
    expect(ops.map((op) => op.action.type)).toEqual(['ADD_TODO', 'TOGGLE_TODO']);
    expect(await reactor.getState('t1', 'global')).toMatchObject({
      todos: [{ id: 'x', done: true }],
    });
    await reactor.close();
  });

  it('rejects bad input at the boundary, naming the field, and enqueues nothing', async () => {
    const { reactor } = await memoryReactor();
    await expect(
      reactor.submit({
        documentId: '',
        scopes: ['global'],
        actions: [counterActions.increment(1)],
      }),
    ).rejects.toThrow(JobValidationError);
    await expect(
      reactor.createDocument({ documentId: 'd', documentType: 'nope' }),
    ).rejects.toMatchObject({ field: 'documentType' });
    await expect(
      createReactor({ models: [counterModel], config: { maxConcurrency: 0 } }),
    ).rejects.toMatchObject({
      field: 'maxConcurrency',
    });
    expect(await reactor.queue.counts()).toEqual({
      pending: 0,
      running: 0,
      completed: 0,
      failed: 0,
    });
    await reactor.close();
  });

  it.each([
    ['laneFailurePolicy', { laneFailurePolicy: 'halted' }, `'continue' or 'halt', got "halted"`],
    ['random', { random: 0.5 }, 'a function, got 0.5'],
    ['onError', { onError: 'log' }, 'a function, got "log"'],
    ['runnerId', { runnerId: 42 }, 'a non-empty string, got 42'],
    ['runnerId', { runnerId: '' }, 'a non-empty string, got ""'],
    ['clock', { clock: Date.now }, 'clearTimeout(), got function'],
    ['clock', { clock: { now: Date.now } }, 'got an object without setTimeout(), clearTimeout()'],
    ['models', { models: counterModel }, 'an array of document models, got object'],
  ])('rejects a wrong-typed `%s`, naming it and what it got', async (field, bad, text) => {
    const options = { models: [counterModel], ...bad } as unknown as Parameters<
      typeof createReactor
    >[0];
    const created = createReactor(options);
    await expect(created).rejects.toBeInstanceOf(ConfigError);
    await expect(created).rejects.toMatchObject({
      field,
      message: expect.stringContaining(`expected \`${field}\` to be `),
    });
    await expect(created).rejects.toThrow(text);
  });
});
