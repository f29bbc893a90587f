/**
 * What `seriatim/powerhouse` maps (Powerhouse's CREATE_DOCUMENT + UPGRADE_DOCUMENT) and what it
 * refuses with a clear error (header and history actions, the auth scope, model versions, other
 * initial states, skip > 0, falsy scope states).
 */
import {
  driveDocumentModelModule as drive,
  setDriveName,
} from '@powerhousedao/shared/document-drive';
import { undo } from '@powerhousedao/shared/document-model';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import {
  type Action,
  createReactor,
  DocumentJobExecutor,
  defineDocumentModel,
  JobErrorCodes,
  JobValidationError,
  ModelRegistry,
  type Reactor,
} from '../../src/index.js';
import {
  fromPowerhouseModule,
  type PowerhouseAction,
  powerhouseCreateDocumentJob,
} from '../../src/powerhouse/index.js';
import { toJob } from '../support/document-fixtures.js';

const model = fromPowerhouseModule(drive);

/** The creation actions Powerhouse itself writes for a new drive. */
function creationActions(): PowerhouseAction[] {
  const document = drive.utils.createDocument();
  return (document.operations.document ?? []).map(
    (operation) => operation.action as PowerhouseAction,
  );
}

let reactor: Reactor | undefined;
afterEach(async () => {
  await reactor?.close();
  reactor = undefined;
});

describe('powerhouseCreateDocumentJob', () => {
  it("creates the document Powerhouse's CREATE_DOCUMENT + UPGRADE_DOCUMENT describe", async () => {
    const actions = creationActions();
    const documentId = (actions[0]?.input as { documentId?: string } | undefined)?.documentId ?? '';
    const job = powerhouseCreateDocumentJob(model, actions);
    expect(job.documentId).toBe(documentId);
    expect(job.scopes).toEqual(['global', 'local', 'document']);
    expect(job.actions[0]).toMatchObject({
      id: actions[0]?.id,
      type: 'CREATE_DOCUMENT',
      scope: 'document',
      input: { documentType: 'powerhouse/document-drive' },
      timestampUtcMs: actions[0]?.timestampUtcMs,
    });

    reactor = await createReactor({ models: [model] });
    await reactor.start();
    expect((await reactor.manager.watch((await reactor.submit(job)).id)).success).toBe(true);
    expect(await reactor.getState(documentId, 'global')).toEqual(drive.utils.createState().global);
    expect(await reactor.getState(documentId, 'document')).toMatchObject({
      documentType: 'powerhouse/document-drive',
      createdAt: actions[0]?.timestampUtcMs,
    });
  });

  it('refuses what seriatim does not keep, naming the field', () => {
    const [create, upgrade] = creationActions() as [PowerhouseAction, PowerhouseAction];
    const withInput = (action: PowerhouseAction, patch: Record<string, unknown>) => ({
      ...action,
      input: { ...(action.input as object), ...patch },
    });
    const cases: [string, PowerhouseAction[]][] = [
      ['actions[0].input.model', [withInput(create, { model: 'acme/other' })]],
      ['actions[1].input.toVersion', [create, withInput(upgrade, { toVersion: 1 })]],
      [
        'actions[1].input.initialState.global',
        [
          create,
          withInput(upgrade, {
            initialState: { global: { name: 'Prefilled', nodes: [], icon: null } },
          }),
        ],
      ],
      ['actions[0]', [upgrade]],
    ];
    for (const [field, actions] of cases) {
      let error: unknown;
      try {
        powerhouseCreateDocumentJob(model, actions);
      } catch (caught) {
        error = caught;
      }
      expect(error, field).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field, field).toBe(field);
    }
  });
});

describe('unsupported Powerhouse features', () => {
  async function started(): Promise<Reactor> {
    reactor = await createReactor({ models: [model] });
    await reactor.start();
    const created = await reactor.createDocument({
      documentId: 'd1',
      documentType: model.documentType,
    });
    expect((await reactor.manager.watch(created.id)).success).toBe(true);
    return reactor;
  }

  it('fails a job holding a header or history action with INVALID_JOB, naming it', async () => {
    const r = await started();
    const setName = { ...setDriveName({ name: 'x' }), type: 'SET_NAME', input: { name: 'x' } };
    for (const action of [setName, undo(1, 'global')] as Action[]) {
      const job = await r.submit({ documentId: 'd1', scopes: ['global'], actions: [action] });
      const result = await r.manager.watch(job.id);
      expect(result.error?.code, action.type).toBe(JobErrorCodes.INVALID_JOB);
      expect(result.errorMessage).toMatch(new RegExp(`Powerhouse ${action.type}`));
    }
    expect(await r.store.getHead('d1', 'global', 'main')).toBe(-1);
  });

  it('has no auth scope: a job on it fails with INVALID_JOB', async () => {
    const r = await started();
    const action = { ...setDriveName({ name: 'x' }), scope: 'auth' } as Action;
    const job = await r.submit({ documentId: 'd1', scopes: ['auth'], actions: [action] });
    const result = await r.manager.watch(job.id);
    expect(result.error?.code).toBe(JobErrorCodes.INVALID_JOB);
    expect(result.errorMessage).toMatch(
      /scope 'auth' is not a scope of 'powerhouse\/document-drive'/,
    );
  });

  it('refuses pulled operations with skip > 0 (undo) with REBASE_FAILED', async () => {
    const models = new ModelRegistry([model]);
    const remoteStore = new MemoryOperationStore();
    const remote = new DocumentJobExecutor({ store: remoteStore, models });
    const create = powerhouseCreateDocumentJob(model, creationActions());
    const { documentId } = create;
    await remote.execute(toJob(create));
    const change = toJob({
      documentId,
      scopes: ['global'],
      actions: [setDriveName({ name: 'x' }) as Action],
    });
    await remote.execute(change);
    const local = new DocumentJobExecutor({ store: new MemoryOperationStore(), models });
    const failure = await local
      .syncFrom(
        {
          async pull({ lanes }) {
            return Promise.all(
              lanes.map(async ({ scope, fromIndex }) => {
                const ops = await remoteStore.getOperations(documentId, scope, 'main', fromIndex);
                // The remote undid something: its global operation skips one.
                return {
                  scope,
                  operations: ops.map((op) => (scope === 'global' ? { ...op, skip: 1 } : op)),
                };
              }),
            );
          },
        },
        change,
      )
      .catch((error) => error);
    expect(failure.code).toBe(JobErrorCodes.REBASE_FAILED);
    expect(failure.message).toMatch(/skip 1: skipping operations \(undo\) is not supported/);
  });
});

describe('falsy scope states (Powerhouse hashes them all as "")', () => {
  it('are refused as initial states, naming initialState', () => {
    for (const falsy of [null, 0, false, '']) {
      expect(() =>
        defineDocumentModel({
          documentType: 'acme/falsy',
          scopes: ['global'],
          initialState: () => ({ global: falsy }),
          reducer: () => undefined,
        }),
      ).toThrow(/initialState.*must not be falsy/);
    }
  });

  it('are a reducer rejection when a reducer returns one', async () => {
    const zeroing = defineDocumentModel<unknown>({
      documentType: 'acme/zeroing',
      scopes: ['global'],
      initialState: () => ({ global: { n: 1 } }),
      reducer: () => 0,
    });
    reactor = await createReactor({ models: [zeroing] });
    await reactor.start();
    await reactor.createDocument({ documentId: 'z', documentType: 'acme/zeroing' });
    const action = { ...(setDriveName({ name: 'x' }) as Action), type: 'ZERO' };
    const job = await reactor.submit({ documentId: 'z', scopes: ['global'], actions: [action] });
    const result = await reactor.manager.watch(job.id);
    expect(result.error?.code).toBe(JobErrorCodes.LIBRARY_ERROR);
    expect(result.errorMessage).toMatch(/returned 0: a scope's state must not be falsy/);
  });
});
