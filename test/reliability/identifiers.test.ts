/**
 * Identifiers: hostile and unusual ids (quotes, SQL, NFC/NFD, RTL, emoji, the 512-byte limit)
 * round-trip unchanged through the queue and the store, and ids that differ only where a
 * separator would be never share a lane or an operation, on memory, SQLite and PostgreSQL, through
 * the public API. Below validation (ids with NUL, which `submit` refuses), the same through the
 * executor and the stores directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import type { IOperationStore } from '../../src/adapters/ports.js';
import { createPostgresStorage } from '../../src/adapters/postgres/index.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { createAction, createDocumentJob } from '../../src/document/create-action.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { defineDocumentModel, ModelRegistry } from '../../src/document/document-model.js';
import { operationId } from '../../src/document/operation-id.js';
import { StateCache } from '../../src/document/state-cache.js';
import { createReactor, type Reactor, type StorageOption } from '../../src/index.js';
import { laneKey } from '../../src/lane-key.js';
import type { JobInput } from '../../src/types.js';
import { toJob } from '../support/document-fixtures.js';
import { closeAdmin, dropSchema, hasPostgres, PG_URL, schemaName } from '../support/postgres.js';

/** The documented limit of an identifier (see README, Semantics): 512 UTF-8 bytes. */
const LIMIT = 512;

/** An id of exactly 512 UTF-8 bytes: `tag`, then 4-byte characters, then ASCII padding. */
function longId(tag: string): string {
  let id = tag;
  while (Buffer.byteLength(`${id}𝄞`) <= LIMIT) id += '𝄞';
  while (Buffer.byteLength(id) < LIMIT) id += '.';
  return id;
}

const NFC = 'Caf\u00e9 na\u00efve';
const NFD = NFC.normalize('NFD');
const SQL = "'; DROP TABLE jobs; --";
const QUOTES = `it's "quoted" \`x\` \\ '' ""`;
const RTL = 'مستند עברית 123';
const EMOJI = '👩‍👩‍👧‍👦🏳️‍🌈🙂';
const LONG_SCOPE = longId('scope-');

/** Every scope the tests use (a model's scopes are fixed; each document holds all of them). */
const SCOPES = ['global', 'g', 'g:main', SQL, QUOTES, NFC, NFD, RTL, EMOJI, LONG_SCOPE, 'a/b|c,d'];

type LogState = { entries: string[] };

/** Each scope holds the texts appended to it, in order. */
const logModel = defineDocumentModel<LogState>({
  documentType: 'test/log',
  scopes: SCOPES,
  initialState: () => Object.fromEntries(SCOPES.map((scope) => [scope, { entries: [] }])),
  reducer(state, action) {
    if (action.type !== 'APPEND') throw new Error(`unknown action type ${action.type}`);
    state.entries.push((action.input as { text: string }).text);
  },
});

/** One lane and the ids of the job that writes its one operation. */
type Case = {
  documentId: string;
  scope: string;
  branch: string;
  jobId: string;
  actionId: string;
};

function appendJob(lane: Case, text: string): JobInput {
  return {
    id: lane.jobId,
    documentId: lane.documentId,
    scopes: [lane.scope],
    branch: lane.branch,
    actions: [
      createAction({ type: 'APPEND', scope: lane.scope, input: { text }, id: lane.actionId }),
    ],
  };
}

// The create jobs get short ids of their own: the appends carry the hostile ids (a prefix on a
// 512-byte id would cross the limit).
function createJob(lane: Case, index: number): JobInput {
  return createDocumentJob({
    documentId: lane.documentId,
    documentType: logModel.documentType,
    scopes: logModel.scopes,
    branch: lane.branch,
    jobId: `create ${index}`,
    actionId: `create ${index}`,
  });
}

// ─── adapters ────────────────────────────────────────────────────────────────────────────────

type Adapter = {
  name: string;
  skip: boolean;
  /** A fresh storage; `option` opens it again after a close (durable adapters). */
  open(): { option: StorageOption; durable: boolean; cleanup(): Promise<void> };
};

const ADAPTERS: Adapter[] = [
  {
    name: 'memory',
    skip: false,
    open: () => ({ option: 'memory', durable: false, cleanup: async () => {} }),
  },
  {
    name: 'sqlite',
    skip: false,
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'seriatim-ids-'));
      return {
        option: { sqlite: join(dir, 'ids.db') },
        durable: true,
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    skip: !hasPostgres,
    open() {
      const schema = schemaName('ids');
      return {
        option: (ctx) => createPostgresStorage(PG_URL as string, ctx, { schema }),
        durable: true,
        cleanup: () => dropSchema(schema),
      };
    },
  },
];

afterAll(async () => {
  if (hasPostgres) await closeAdmin();
});

for (const adapter of ADAPTERS) {
  describe.skipIf(adapter.skip)(`identifiers: ${adapter.name}`, () => {
    const open: Reactor[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const reactor of open.splice(0)) await reactor.close();
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function reactorOn(option: StorageOption): Promise<Reactor> {
      const reactor = await createReactor({ models: [logModel], storage: option });
      open.push(reactor);
      await reactor.start({ maxConcurrency: 4 });
      return reactor;
    }

    function storage() {
      const opened = adapter.open();
      cleanups.push(opened.cleanup);
      return opened;
    }

    /** Submits every job (in order) and expects each to complete without a replay. */
    async function runAll(reactor: Reactor, jobs: JobInput[]): Promise<void> {
      const submitted = [];
      for (const job of jobs) submitted.push(await reactor.submit(job));
      for (const job of submitted) {
        const result = await reactor.manager.watch(job.id);
        expect(result.errorMessage, `job ${JSON.stringify(job.id)}`).toBeUndefined();
        expect(result.success).toBe(true);
        expect(result.metadata?.replayed).toBe(false);
      }
    }

    /** The lane holds exactly one operation: the case's action, with the id of its lane. */
    async function expectOwnOperation(reactor: Reactor, lane: Case, text: string) {
      const ops = await reactor.store.getOperations(lane.documentId, lane.scope, lane.branch);
      expect(ops).toHaveLength(1);
      expect(ops[0]?.id).toBe(operationId(lane.documentId, lane.scope, lane.branch, lane.actionId));
      expect(ops[0]?.action).toMatchObject({
        id: lane.actionId,
        scope: lane.scope,
        input: { text },
      });
      expect(await reactor.getState(lane.documentId, lane.scope, lane.branch)).toEqual({
        entries: [text],
      });
    }

    it('ids with quotes, SQL, NFC and NFD, RTL, emoji and 512 bytes round-trip unchanged', {
      timeout: 60_000,
    }, async () => {
      const cases: Case[] = [
        { documentId: QUOTES, scope: QUOTES, branch: QUOTES, jobId: QUOTES, actionId: QUOTES },
        { documentId: SQL, scope: SQL, branch: SQL, jobId: SQL, actionId: SQL },
        // The same text in two normal forms: two documents, branches, jobs and actions.
        { documentId: NFC, scope: NFC, branch: NFC, jobId: NFC, actionId: NFC },
        { documentId: NFD, scope: NFD, branch: NFD, jobId: NFD, actionId: NFD },
        { documentId: RTL, scope: RTL, branch: RTL, jobId: RTL, actionId: RTL },
        { documentId: EMOJI, scope: EMOJI, branch: EMOJI, jobId: EMOJI, actionId: EMOJI },
        // Exactly the limit in every field at once: the composite keys must hold them.
        {
          documentId: longId('document-'),
          scope: LONG_SCOPE,
          branch: longId('branch-'),
          jobId: longId('job-'),
          actionId: longId('action-'),
        },
      ];
      for (const lane of cases) {
        for (const id of [lane.documentId, lane.branch, lane.jobId, lane.actionId]) {
          expect(Buffer.byteLength(id)).toBeLessThanOrEqual(LIMIT);
        }
      }
      const { option, durable } = storage();
      let reactor = await reactorOn(option);
      await runAll(reactor, cases.map(createJob));
      await runAll(
        reactor,
        cases.map((lane, i) => appendJob(lane, `text ${i}`)),
      );

      const check = async () => {
        for (const [i, lane] of cases.entries()) {
          const job = await reactor.queue.get(lane.jobId);
          expect(job).toMatchObject({
            id: lane.jobId,
            documentId: lane.documentId,
            scopes: [lane.scope],
            branch: lane.branch,
            status: 'COMPLETED',
          });
          expect(job?.actions.map((action) => [action.id, action.scope])).toEqual([
            [lane.actionId, lane.scope],
          ]);
          const created = await reactor.queue.get(`create ${i}`);
          expect(created).toMatchObject({ documentId: lane.documentId, branch: lane.branch });
          expect(created?.actions[0]?.id).toBe(`create ${i}`);
          await expectOwnOperation(reactor, lane, `text ${i}`);
        }
        // NFC and NFD stay two documents: each holds only its own text.
        expect(await reactor.getState(NFC, NFD, NFC)).toEqual({ entries: [] });
        expect(await reactor.getState(NFD, NFC, NFD)).toEqual({ entries: [] });
        expect(await reactor.queue.counts()).toMatchObject({ pending: 0, running: 0 });
      };
      await check();
      if (durable) {
        await reactor.close();
        open.splice(0);
        reactor = await reactorOn(option);
        await check();
      }
    });

    it('ids that differ only where a separator would be never share a lane or an operation', {
      timeout: 60_000,
    }, async () => {
      // Pairs whose operation ids collide (the formula joins with ':'), and pairs whose parts
      // would collide if a lane key joined them with a separator, or quoted them naively.
      const pairs: [string, Case, Case][] = [
        [
          'document A + action global:main:z, document A:global:main + action z',
          {
            documentId: 'A',
            scope: 'global',
            branch: 'main',
            jobId: 'j1',
            actionId: 'global:main:z',
          },
          {
            documentId: 'A:global:main',
            scope: 'global',
            branch: 'main',
            jobId: 'j2',
            actionId: 'z',
          },
        ],
        [
          'branch main + action x:y, branch main:x + action y',
          { documentId: 'B', scope: 'global', branch: 'main', jobId: 'j3', actionId: 'x:y' },
          { documentId: 'B', scope: 'global', branch: 'main:x', jobId: 'j4', actionId: 'y' },
        ],
        [
          'scope g + action main:z, scope g:main + action z',
          { documentId: 'C', scope: 'g', branch: 'main', jobId: 'j5', actionId: 'main:z' },
          { documentId: 'C', scope: 'g:main', branch: 'main', jobId: 'j6', actionId: 'z' },
        ],
        [
          'separators / and | inside ids',
          { documentId: 'D/global', scope: 'global', branch: 'main', jobId: 'j7', actionId: 'a' },
          { documentId: 'D', scope: 'global', branch: 'global/main', jobId: 'j8', actionId: 'a' },
        ],
        [
          'JSON quoting inside ids',
          { documentId: 'E","global', scope: 'global', branch: 'main', jobId: 'j9', actionId: 'a' },
          {
            documentId: 'E',
            scope: 'global',
            branch: 'global","main',
            jobId: 'j10',
            actionId: 'a',
          },
        ],
      ];
      const { option, durable } = storage();
      let reactor = await reactorOn(option);
      const lanes = pairs.flatMap(([, one, two]) => [one, two]);
      const documents = new Map(
        lanes.map((lane) => [laneKey(lane.documentId, '', lane.branch), lane]),
      );
      await runAll(reactor, [...documents.values()].map(createJob));
      await runAll(
        reactor,
        lanes.map((lane) => appendJob(lane, `text of ${lane.jobId}`)),
      );
      for (const [title, one, two] of pairs) {
        if (title.includes('action')) {
          expect(operationId(one.documentId, one.scope, one.branch, one.actionId)).toBe(
            operationId(two.documentId, two.scope, two.branch, two.actionId),
          );
        }
      }
      const check = async () => {
        for (const lane of lanes) await expectOwnOperation(reactor, lane, `text of ${lane.jobId}`);
      };
      await check();
      if (durable) {
        await reactor.close();
        open.splice(0);
        reactor = await reactorOn(option);
        await check();
      }
    });
  });
}

// ─── below validation: ids with NUL ──────────────────────────────────────────────────────────

/**
 * Document `X` on branch `global\0main` and document `X\0global` on branch `main`: a lane key that
 * joined its parts with NUL gave both one key (one cache entry, one snapshot). `submit` refuses
 * NUL in ids, so these jobs go to the executor directly.
 */
describe('identifiers with NUL, below validation', () => {
  const one = { documentId: 'X', branch: 'global\u0000main' };
  const two = { documentId: 'X\u0000global', branch: 'main' };

  it('get two lane keys and two cache entries', () => {
    const first = laneKey(one.documentId, 'global', one.branch);
    const second = laneKey(two.documentId, 'global', two.branch);
    expect(first).not.toBe(second);
    const cache = new StateCache({ capacity: 10 });
    cache.set(first, { index: 0, state: 'one', hash: 'h1' });
    cache.set(second, { index: 0, state: 'two', hash: 'h2' });
    expect(cache.get(first)?.state).toBe('one');
    expect(cache.get(second)?.state).toBe('two');
  });

  const stores: [string, () => { store: IOperationStore; reopen?: () => IOperationStore }][] = [
    ['memory', () => ({ store: new MemoryOperationStore() })],
    [
      'sqlite',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'seriatim-nul-'));
        dirs.push(dir);
        const file = join(dir, 'nul.db');
        const open = () => {
          const storage = createSqliteStorage(file, {
            bus: new MemoryEventBus(),
            clock: systemClock,
            runnerId: 'nul',
          });
          storages.push(storage);
          return storage.store;
        };
        return { store: open(), reopen: open };
      },
    ],
  ];
  const dirs: string[] = [];
  const storages: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const storage of storages.splice(0)) await storage.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, make] of stores) {
    it(`keep two lanes, snapshots and states apart (${name})`, async () => {
      const { store, reopen } = make();
      const models = new ModelRegistry([logModel]);
      const executor = new DocumentJobExecutor({ store, models });
      for (const lane of [one, two]) {
        const created = await executor.execute(
          toJob(createDocumentJob({ ...lane, documentType: 'test/log', scopes: SCOPES })),
        );
        expect(created.errorMessage).toBeUndefined();
      }
      for (let i = 0; i < 3; i++) {
        for (const [n, lane] of [one, two].entries()) {
          const action = createAction({
            type: 'APPEND',
            scope: 'global',
            input: { text: `${n}.${i}` },
          });
          const result = await executor.execute(
            toJob({ ...lane, scopes: ['global'], actions: [action] }),
          );
          expect(result.errorMessage).toBeUndefined();
        }
      }
      const expectApart = async (s: IOperationStore, e: DocumentJobExecutor) => {
        for (const [n, lane] of [one, two].entries()) {
          const texts = ['0', '1', '2'].map((i) => `${n}.${i}`);
          const ops = await s.getOperations(lane.documentId, 'global', lane.branch);
          expect(ops.map((op) => (op.action.input as { text: string }).text)).toEqual(texts);
          expect((await s.getSnapshot(lane.documentId, 'global', lane.branch))?.state).toEqual({
            entries: texts,
          });
          expect(await e.getState(lane.documentId, 'global', lane.branch)).toEqual({
            entries: texts,
          });
        }
      };
      await expectApart(store, executor);
      if (reopen !== undefined) {
        const again = reopen();
        await expectApart(again, new DocumentJobExecutor({ store: again, models }));
      }
    });
  }
});
