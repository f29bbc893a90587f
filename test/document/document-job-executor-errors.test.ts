import { describe, expect, it } from 'vitest';
import type { IAuthorizer } from '../../src/adapters/ports.js';
import {
  createAction,
  createDocumentJob,
  deleteDocumentJob,
} from '../../src/document/create-action.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { hashState } from '../../src/document/hash.js';
import { generateSignerKeys, signAction } from '../../src/document/signature.js';
import { JobError, JobErrorCodes, WriteConflictError } from '../../src/errors.js';
import { counterActions, counterModel, todoActions, todoModel } from '../../src/examples/index.js';
import type { JobResult } from '../../src/types.js';
import { createDocument, makeHarness, toJob } from '../support/document-fixtures.js';

const increment = (by: number, scope: 'global' | 'local' = 'global') =>
  counterActions.increment(by, scope);
const counterJob = (actions = [increment(1)], scopes = ['global']) =>
  toJob({ documentId: 'd1', scopes, actions });

function expectFailure(result: JobResult, code: number, retryable: boolean): void {
  expect(result.success).toBe(false);
  expect(result.errorCode).toBe(code);
  expect(result.error).toBeInstanceOf(JobError);
  expect(result.error?.code).toBe(code);
  expect(result.error?.retryable).toBe(retryable);
  expect(result.errorMessage).toBe(result.error?.message);
  expect(result.operations).toEqual([]);
}

async function withDocument(options: Parameters<typeof makeHarness>[0] = {}) {
  const harness = makeHarness(options);
  await createDocument(harness.executor, 'd1');
  return harness;
}

describe('DocumentJobExecutor failures', () => {
  describe('SIGNATURE_INVALID', () => {
    it('rejects an action whose signed content was altered, writing nothing', async () => {
      const { executor, memory } = await withDocument();
      const signed = signAction(increment(1), generateSignerKeys().privateKey, {
        documentId: 'd1',
      });
      const forged = { ...signed, input: { by: 1000 } };
      expectFailure(await executor.execute(counterJob([increment(1), forged])), 90001, false);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
    });

    it('rejects an action signed for another document or branch, writing nothing', async () => {
      const { executor, memory } = await withDocument();
      await createDocument(executor, 'd2');
      await createDocument(executor, 'd1', counterModel, 'b2');
      const signed = signAction(increment(1), generateSignerKeys().privateKey, {
        documentId: 'd1',
      });
      const onD2 = toJob({ documentId: 'd2', scopes: ['global'], actions: [signed] });
      const onB2 = toJob({ documentId: 'd1', branch: 'b2', scopes: ['global'], actions: [signed] });
      const result = await executor.execute(onD2);
      expectFailure(result, 90001, false);
      expect(result.errorMessage).toMatch(/another document or branch/);
      expectFailure(await executor.execute(onB2), 90001, false);
      expect(await memory.getHead('d2', 'global', 'main')).toBe(-1);
      expect(await memory.getHead('d1', 'global', 'b2')).toBe(-1);
      expect((await executor.execute(counterJob([signed]))).success).toBe(true);
    });

    it('accepts a correctly signed action', async () => {
      const { executor } = await withDocument();
      const signed = signAction(increment(1), generateSignerKeys().privateKey, {
        documentId: 'd1',
      });
      expect((await executor.execute(counterJob([signed]))).success).toBe(true);
    });
  });

  describe('UNAUTHORIZED', () => {
    it('fails when the authorizer denies one action, and passes it the signer', async () => {
      const keys = generateSignerKeys();
      const seen: (string | undefined)[] = [];
      const authorizer: IAuthorizer = {
        async authorize({ action, signer }) {
          seen.push(signer);
          return action.type !== 'RESET';
        },
      };
      const { executor, memory } = await withDocument({ authorizer });
      const signed = signAction(increment(1), keys.privateKey, { documentId: 'd1' });
      expectFailure(
        await executor.execute(counterJob([signed, counterActions.reset()])),
        90002,
        false,
      );
      expect(seen.slice(-2)).toEqual([keys.publicKey, undefined]);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
      expect((await executor.execute(counterJob([signed]))).success).toBe(true);
    });

    it('treats a throwing authorizer as a denial', async () => {
      const authorizer: IAuthorizer = {
        authorize: ({ action }) => {
          if (action.scope === 'global') throw new Error('policy store down');
          return true;
        },
      };
      const { executor } = await withDocument({ authorizer });
      const result = await executor.execute(counterJob());
      expectFailure(result, 90002, false);
      expect(result.errorMessage).toMatch(/policy store down/);
    });
  });

  describe('HASH_MISMATCH', () => {
    it('fails before writing when the resulting hash differs', async () => {
      const { executor, memory, store } = await withDocument();
      const appends = store.calls.append;
      const job = toJob({
        documentId: 'd1',
        scopes: ['global'],
        actions: [increment(2)],
        resultingHash: hashState({ count: 3, label: '' }),
      });
      const result = await executor.execute(job);
      expectFailure(result, 90003, false);
      expect(store.calls.append).toBe(appends);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
    });
  });

  describe('LIBRARY_ERROR', () => {
    it('fails when the reducer throws, writing none of the job', async () => {
      const { executor, memory } = await withDocument();
      const result = await executor.execute(counterJob([increment(1), increment(Number.NaN)]));
      expectFailure(result, 90005, false);
      expect(result.errorMessage).toMatch(/finite number/);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
      // The failed job left the cached state untouched.
      expect(await executor.getState('d1', 'global', 'main')).toEqual({ count: 0, label: '' });
    });

    it('maps an unknown store error to LIBRARY_ERROR', async () => {
      const { executor, store } = await withDocument();
      store.failNext('append', new Error('disk on fire'));
      expectFailure(await executor.execute(counterJob()), 90005, false);
    });
  });

  describe('IO_ERROR', () => {
    it('is retryable for a busy store, and the retry succeeds', async () => {
      const { executor, store, memory } = await withDocument();
      store.failNext(
        'append',
        Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      );
      const job = counterJob();
      expectFailure(await executor.execute(job), 90006, true);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
      const retry = await executor.execute(job);
      expect(retry.success).toBe(true);
      expect(retry.operations[0]?.index).toBe(0);
    });

    it('is retryable when a read fails with a connection error', async () => {
      const { executor, store } = makeHarness();
      store.failNext('getSnapshot', Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
      expectFailure(
        await executor.execute(
          toJob(
            createDocumentJob({
              documentId: 'd1',
              documentType: 'seriatim/counter',
              scopes: counterModel.scopes,
            }),
          ),
        ),
        90006,
        true,
      );
    });

    it('is retryable on a write conflict thrown by the store', async () => {
      const { executor, store } = await withDocument();
      // Twice: a conflict on lanes served from the cache is re-run once on fresh state first.
      store.failNext('append', new WriteConflictError('d1:global:main', 0, 1));
      store.failNext('append', new WriteConflictError('d1:global:main', 0, 1));
      expectFailure(await executor.execute(counterJob()), 90006, true);
      expect(store.calls.append).toBe(3); // the creation, the job, its re-run
    });

    it('is retryable on a write conflict on lanes read from the store, without a re-run', async () => {
      const { executor, store } = await withDocument({ cacheSize: 0 });
      store.failNext('append', new WriteConflictError('d1:global:main', 0, 1));
      expectFailure(await executor.execute(counterJob()), 90006, true);
      expect(store.calls.append).toBe(2);
    });

    it('re-runs at once on fresh state when another executor wrote a cached lane (no retry)', async () => {
      const a = await withDocument();
      const b = new DocumentJobExecutor({ store: a.store, models: a.models });
      expect((await a.executor.execute(counterJob([increment(1)]))).success).toBe(true); // a caches head 0
      expect((await b.execute(counterJob([increment(10)]))).success).toBe(true); // head 1, unseen by a

      const appends = a.store.calls.append;
      const result = await a.executor.execute(counterJob([increment(100)]));
      expect(result.success).toBe(true);
      expect(result.operations[0]?.index).toBe(2);
      expect(a.store.calls.append).toBe(appends + 2); // the conflict on the cached head, the re-run
      expect(await a.executor.getState('d1', 'global', 'main')).toEqual({ count: 111, label: '' });
    });

    it('detects a concurrent delete through the document lane fence', async () => {
      const a = await withDocument();
      const b = new DocumentJobExecutor({ store: a.store, models: a.models });
      expect((await a.executor.execute(counterJob())).success).toBe(true); // a caches the header
      const deletion = await b.execute(
        toJob(
          deleteDocumentJob({
            documentId: 'd1',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          }),
        ),
      );
      expect(deletion.success).toBe(true);

      // The fence conflicts on a's cached header; the re-run on fresh state finds the deletion.
      expectFailure(await a.executor.execute(counterJob()), 90008, false);
      expect(await a.memory.getHead('d1', 'global', 'main')).toBe(0);
    });
  });

  describe('stale cache', () => {
    it('re-runs once on fresh state instead of failing when a cached lane moved on', async () => {
      const a = makeHarness();
      await createDocument(a.executor, 'd1', todoModel);
      const b = new DocumentJobExecutor({ store: a.store, models: a.models });
      const todoJob = (actions: ReturnType<typeof todoActions.add>[]) =>
        toJob({ documentId: 'd1', scopes: ['global'], actions });
      expect((await a.executor.execute(todoJob([todoActions.add('t0', 'zero')]))).success).toBe(
        true,
      );
      expect((await b.execute(todoJob([todoActions.add('t1', 'one')]))).success).toBe(true);

      // On a's cached state t1 does not exist and the reducer throws; the store knows better.
      const result = await a.executor.execute(todoJob([todoActions.toggle('t1')]));
      expect(result.errorMessage).toBeUndefined();
      expect(result.operations[0]?.index).toBe(2);
    });

    it('getState sees what another executor wrote', async () => {
      const a = await withDocument();
      const b = new DocumentJobExecutor({ store: a.store, models: a.models });
      expect(await a.executor.getState('d1', 'global', 'main')).toEqual({ count: 0, label: '' });
      expect((await b.execute(counterJob([increment(3)]))).success).toBe(true);
      expect(await a.executor.getState('d1', 'global', 'main')).toEqual({ count: 3, label: '' });
    });

    it('finds a document another executor created after a cached miss', async () => {
      const a = makeHarness();
      const b = new DocumentJobExecutor({ store: a.store, models: a.models });
      expectFailure(await a.executor.execute(counterJob()), 90008, false); // a caches "no document"
      await createDocument(b, 'd1');
      expect((await a.executor.execute(counterJob())).success).toBe(true);
    });
  });

  describe('TIMEOUT and GRACEFUL_ABORT', () => {
    it('returns the JobError of an already aborted signal, reading nothing', async () => {
      const { executor, store } = await withDocument();
      const reads = store.calls.findOperations;
      for (const [code, retryable] of [
        [JobErrorCodes.TIMEOUT, true],
        [JobErrorCodes.GRACEFUL_ABORT, false],
      ] as const) {
        const controller = new AbortController();
        controller.abort(new JobError(code, 'stop'));
        expectFailure(await executor.execute(counterJob(), {}, controller.signal), code, retryable);
      }
      expect(store.calls.findOperations).toBe(reads);
    });

    it('uses GRACEFUL_ABORT when the reason is not a JobError', async () => {
      const { executor } = await withDocument();
      const controller = new AbortController();
      controller.abort();
      expectFailure(
        await executor.execute(counterJob(), undefined, controller.signal),
        90010,
        false,
      );
    });

    it('writes nothing when the signal fires while the job runs', async () => {
      const { executor, store, memory } = await withDocument();
      const controller = new AbortController();
      store.beforeAppend = () =>
        controller.abort(new JobError(JobErrorCodes.TIMEOUT, 'Job timed out'));
      const result = await executor.execute(counterJob(), {}, controller.signal);
      expectFailure(result, 90007, true);
      expect(result.errorMessage).toBe('Job timed out');
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);

      store.beforeAppend = undefined;
      const retry = await executor.execute(counterJob());
      expect(retry.operations[0]?.index).toBe(0);
    });
  });

  describe('DOCUMENT_NOT_FOUND', () => {
    it('fails a job on a document that was never created, without retry', async () => {
      const { executor, memory } = makeHarness();
      expectFailure(await executor.execute(counterJob()), 90008, false);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(-1);
    });
  });

  describe('INVALID_JOB', () => {
    const cases: [string, () => ReturnType<typeof toJob>][] = [
      [
        'an unknown documentType',
        () =>
          toJob(
            createDocumentJob({
              documentId: 'd2',
              documentType: 'acme/unknown',
              scopes: ['global'],
            }),
          ),
      ],
      [
        'a creation that does not hold every model scope',
        () =>
          toJob(
            createDocumentJob({
              documentId: 'd2',
              documentType: 'seriatim/counter',
              scopes: ['global'],
            }),
          ),
      ],
      [
        'a creation with another action',
        () => {
          const job = createDocumentJob({
            documentId: 'd2',
            documentType: 'seriatim/counter',
            scopes: counterModel.scopes,
          });
          return toJob({ ...job, actions: [...job.actions, increment(1)] });
        },
      ],
      [
        'another action type in the document scope',
        () =>
          toJob({
            documentId: 'd1',
            scopes: ['document'],
            actions: [createAction({ type: 'RENAME', scope: 'document', input: {} })],
          }),
      ],
      [
        'a scope the model does not have',
        () => toJob({ documentId: 'd1', scopes: ['global', 'private'], actions: [increment(1)] }),
      ],
      ['an action outside the job scopes', () => counterJob([increment(1, 'local')])],
      [
        'an action twice in a scope',
        () => {
          const action = increment(1);
          return counterJob([action, action]);
        },
      ],
      ['no scopes', () => counterJob([], [])],
    ];
    for (const [name, makeJob] of cases) {
      it(`rejects ${name}`, async () => {
        const { executor, store } = await withDocument();
        const appends = store.calls.append;
        expectFailure(await executor.execute(makeJob()), 90009, false);
        expect(store.calls.append).toBe(appends);
      });
    }

    it('rejects a job some of whose actions another job applied', async () => {
      const { executor, memory } = await withDocument();
      const shared = increment(1);
      expect((await executor.execute(counterJob([shared]))).success).toBe(true);
      const result = await executor.execute(counterJob([shared, increment(2)]));
      expectFailure(result, 90009, false);
      expect(result.errorMessage).toMatch(/1 of its 2 actions were applied already/);
      expect(await memory.getHead('d1', 'global', 'main')).toBe(0);
    });
  });
});
