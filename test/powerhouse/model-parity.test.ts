/**
 * Parity with Powerhouse's own reducer, on the real document-drive (and document-model) models of
 * `@powerhousedao/shared`: the same actions, from the model's action creators, through
 * `createReactor` (memory, SQLite and PostgreSQL) and through `driveDocumentModelModule.reducer`, give per
 * scope the same state, operation ids, indexes, skips, hashes, timestamps and recorded errors.
 */

import {
  addFile,
  addFolder,
  addListener,
  copyNode,
  deleteNode,
  driveDocumentModelModule as drive,
  moveNode,
  removeListener,
  setAvailableOffline,
  setDriveName,
  setSharingType,
  updateNode,
} from '@powerhousedao/shared/document-drive';
import {
  addModule,
  addOperation,
  baseCreateDocument,
  createState as createDocumentModelState,
  documentModelActions,
  documentModelGlobalState,
  documentModelReducer,
  hashDocumentStateForScope,
  setAuthorName,
  setModelDescription,
  setModelId,
  setModelName,
  setModuleName,
} from '@powerhousedao/shared/document-model';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createReactor,
  hashState,
  type Operation,
  type Reactor,
  type StorageOption,
} from '../../src/index.js';
import { fromPowerhouseModule, type PowerhouseAction } from '../../src/powerhouse/index.js';
import { dropSchema, hasPostgres, openStorage, schemaName } from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const DOC = 'drive-1';
const SCOPES = ['global', 'local'] as const;
// The model's own action creators (the module's `actions` are these functions).
const actions = {
  addFile,
  addFolder,
  addListener,
  copyNode,
  deleteNode,
  moveNode,
  removeListener,
  setAvailableOffline,
  setDriveName,
  setSharingType,
  updateNode,
};

/** A workload of real drive actions, three of which the reducer rejects. */
function workload(): PowerhouseAction[][] {
  const listener = (listenerId: string) => ({
    listener: {
      listenerId,
      label: 'sync',
      block: false,
      system: false,
      filter: {
        documentType: ['powerhouse/document-model'],
        documentId: null,
        scope: null,
        branch: null,
      },
      callInfo: null,
    },
  });
  return [
    [actions.setDriveName({ name: 'Team drive' })],
    [
      actions.addFolder({ id: 'f1', name: 'Docs', parentFolder: null }),
      actions.addFolder({ id: 'f2', name: 'Specs', parentFolder: 'f1' }),
    ],
    [
      actions.addFile({
        id: 'file-1',
        name: 'readme',
        documentType: 'powerhouse/document-model',
        parentFolder: 'f1',
      }),
    ],
    // Rejected: the id is taken. Powerhouse records it; the next action still applies.
    [
      actions.addFolder({ id: 'f1', name: 'Again', parentFolder: null }),
      actions.updateNode({ id: 'f2', name: 'Specifications' }),
    ],
    [actions.addListener(listener('l1'))],
    // Rejected: no such node.
    [actions.deleteNode({ id: 'missing' })],
    // Both scopes in one job.
    [
      actions.copyNode({
        srcId: 'file-1',
        targetId: 'file-2',
        targetName: 'readme copy',
        targetParentFolder: null,
      }),
      actions.addListener(listener('l1')), // rejected: the listener exists
      actions.setSharingType({ type: 'PUBLIC' }),
    ],
    [actions.moveNode({ srcFolder: 'f2', targetParentFolder: null })],
    [
      actions.removeListener({ listenerId: 'l1' }),
      actions.setAvailableOffline({ availableOffline: true }),
    ],
    [actions.deleteNode({ id: 'f1' })],
  ];
}

/** What both sides must agree on, per operation. */
const comparable = (
  op: Pick<Operation, 'id' | 'index' | 'skip' | 'hash' | 'timestampUtcMs' | 'error'>,
) => ({
  id: op.id,
  index: op.index,
  skip: op.skip,
  hash: op.hash,
  timestampUtcMs: op.timestampUtcMs,
  error: op.error ?? null,
});

/** Powerhouse's own run: the module's reducer over a document with id `DOC`. */
function powerhouseRun(jobs: PowerhouseAction[][]) {
  let document = drive.utils.createDocument();
  document.header.id = DOC;
  for (const action of jobs.flat())
    document = drive.reducer(document, action, undefined, { branch: 'main' });
  return document;
}

const reactors: Reactor[] = [];
const files: string[] = [];
const schemas: string[] = [];
afterEach(async () => {
  for (const reactor of reactors.splice(0)) await reactor.close();
  for (const file of files.splice(0)) removeDb(file);
  for (const schema of schemas.splice(0)) await dropSchema(schema);
});

const storages: [string, boolean, () => StorageOption][] = [
  ['memory', true, () => 'memory'],
  [
    'sqlite',
    true,
    () => {
      const file = tempDbPath();
      files.push(file);
      return { sqlite: file };
    },
  ],
  [
    'postgres',
    hasPostgres,
    () => {
      const schema = schemaName('ph');
      schemas.push(schema);
      return (ctx) => openStorage(schema, ctx);
    },
  ],
];

describe.each(storages)('the Powerhouse drive model on %s', (_name, runs, storage) => {
  it.runIf(runs)(
    "matches Powerhouse's reducer per scope: states, ids, indexes, hashes and recorded errors",
    async () => {
      for (const [name, creator] of Object.entries(actions))
        expect(drive.actions[name]).toBe(creator);
      const jobs = workload();
      const expected = powerhouseRun(jobs);
      const model = fromPowerhouseModule(drive);
      expect(model.documentType).toBe('powerhouse/document-drive');
      expect(model.scopes).toEqual(['global', 'local']);

      const reactor = await createReactor({ models: [model], storage: storage() });
      reactors.push(reactor);
      await reactor.start({ maxConcurrency: 4 });
      const created = await reactor.createDocument({
        documentId: DOC,
        documentType: model.documentType,
      });
      const submitted = [created];
      for (const job of jobs) {
        const scopes = [...new Set(job.map((action) => action.scope))];
        submitted.push(await reactor.submit({ documentId: DOC, scopes, actions: job }));
      }
      const results = await Promise.all(submitted.map((job) => reactor.manager.watch(job.id)));
      expect(results.map((result) => result.errorMessage)).toEqual(results.map(() => undefined));

      for (const scope of SCOPES) {
        const stored = await reactor.store.getOperations(DOC, scope, 'main');
        const theirs = expected.operations[scope] ?? [];
        expect(theirs).toHaveLength(jobs.flat().filter((action) => action.scope === scope).length);
        expect(stored.map(comparable)).toEqual(theirs.map(comparable));
        const state = await reactor.getState(DOC, scope);
        expect(state).toEqual(expected.state[scope]);
        expect(hashState(state)).toBe(hashDocumentStateForScope(expected, scope));
      }
      // The rejections: recorded on the operation and reported by their jobs.
      const errors = (await reactor.store.getOperations(DOC, 'global', 'main')).filter(
        (op) => op.error,
      );
      expect(errors.map((op) => op.error)).toEqual([
        'Node with id f1 already exists!',
        'Node with id missing not found',
      ]);
      const reported = results.flatMap(
        (result) => (result.metadata?.reducerErrors as unknown[]) ?? [],
      );
      expect(reported).toHaveLength(3);
      // Signals the reducer dispatched come back with the job (CREATE_CHILD_DOCUMENT for a file).
      expect(results[3]?.metadata?.dispatched).toEqual([
        {
          type: 'CREATE_CHILD_DOCUMENT',
          input: { id: 'file-1', documentType: 'powerhouse/document-model' },
        },
      ]);
    },
  );
});

/**
 * The document-model model of `@powerhousedao/shared/document-model`, assembled from its exported
 * parts (the package exports no module object for it). On its default state (no specification)
 * the header-like actions apply and those needing a specification are rejected by its reducer.
 */
const documentModelModule = {
  documentModel: { global: documentModelGlobalState },
  reducer: documentModelReducer,
  actions: documentModelActions,
  utils: { createState: createDocumentModelState },
};

describe.each(storages)('the Powerhouse document-model model on %s', (_name, runs, storage) => {
  it.runIf(runs)("matches Powerhouse's reducer, rejections included", async () => {
    const jobs: PowerhouseAction[][] = [
      [setModelName({ name: 'Invoice' }), setModelId({ id: 'acme/invoice' })],
      [addModule({ id: 'm1', name: 'items' })], // rejected: no specification yet
      [
        setAuthorName({ authorName: 'Acme' }),
        addOperation({ id: 'o1', moduleId: 'm1', name: 'ADD' }),
      ],
      [setModuleName({ id: 'm1', name: 'x' }), setModelDescription({ description: 'Invoices' })],
    ];
    const model = fromPowerhouseModule(documentModelModule);
    expect(model.documentType).toBe('powerhouse/document-model');
    let expected = baseCreateDocument(createDocumentModelState, undefined, model.documentType);
    expected.header.id = DOC;
    for (const action of jobs.flat()) {
      expected = documentModelReducer(expected, action, undefined, { branch: 'main' });
    }

    const reactor = await createReactor({ models: [model], storage: storage() });
    reactors.push(reactor);
    await reactor.start({ maxConcurrency: 4 });
    const submitted = [
      await reactor.createDocument({ documentId: DOC, documentType: model.documentType }),
    ];
    for (const actions of jobs) {
      submitted.push(await reactor.submit({ documentId: DOC, scopes: ['global'], actions }));
    }
    const results = await Promise.all(submitted.map((job) => reactor.manager.watch(job.id)));
    expect(results.every((result) => result.success)).toBe(true);

    const stored = await reactor.store.getOperations(DOC, 'global', 'main');
    const theirs = expected.operations.global ?? [];
    expect(theirs).toHaveLength(7);
    expect(stored.map(comparable)).toEqual(theirs.map(comparable));
    expect(stored.filter((op) => op.error)).toHaveLength(3);
    const state = await reactor.getState(DOC, 'global');
    expect(state).toEqual(expected.state.global);
    expect(hashState(state)).toBe(hashDocumentStateForScope(expected, 'global'));
  });
});
