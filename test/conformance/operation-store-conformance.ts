/**
 * The `IOperationStore` conformance suite: every store adapter runs it through
 * `describeOperationStoreConformance`. It tests only through the port; every test is independent.
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendRequest, IOperationStore, OperationRef } from '../../src/adapters/ports.js';
import { operationId } from '../../src/document/operation-id.js';
import { WriteConflictError } from '../../src/errors.js';
import type { Operation } from '../../src/types.js';
import { adapterSelected, makeAction, makeOperation, makeOperations } from './fixtures.js';

/** What a store factory returns; `cleanup` releases everything the factory created. */
export type OperationStoreFixture = { store: IOperationStore; cleanup(): Promise<void> };

const DOC = 'doc-1';
const BRANCH = 'main';

/**
 * Declares the conformance tests of an `IOperationStore` adapter. `makeStore` is called before
 * each test and must return an empty store.
 */
export function describeOperationStoreConformance(
  name: string,
  makeStore: () => Promise<OperationStoreFixture>,
): void {
  describe.skipIf(!adapterSelected(name))(`IOperationStore conformance: ${name}`, () => {
    let store: IOperationStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    function request(
      lanes: AppendRequest['lanes'],
      extra: Partial<AppendRequest> = {},
    ): AppendRequest {
      return { documentId: DOC, branch: BRANCH, lanes, ...extra };
    }

    /** Heads of the given scopes of `DOC`/`BRANCH`. */
    async function heads(...scopes: string[]): Promise<number[]> {
      return Promise.all(scopes.map((scope) => store.getHead(DOC, scope, BRANCH)));
    }

    describe('an empty lane', () => {
      it('has head -1, no operations and no snapshot', async () => {
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(-1);
        expect(await store.getOperations(DOC, 'a', BRANCH)).toEqual([]);
        expect(await store.getSnapshot(DOC, 'a', BRANCH)).toBeUndefined();
        expect(await store.findOperations(DOC, BRANCH, [{ scope: 'a', id: 'x' }])).toEqual([
          undefined,
        ]);
      });
    });

    describe('append', () => {
      it('appends contiguous operations lane by lane', async () => {
        const first = makeOperations('a', 0, 3);
        const result = await store.append(
          request([{ scope: 'a', expectedHead: -1, operations: first }]),
        );
        expect(result).toEqual({ operations: first, replayed: false });
        const more = makeOperations('a', 3, 2);
        await store.append(request([{ scope: 'a', expectedHead: 2, operations: more }]));
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(4);
        expect(await store.getOperations(DOC, 'a', BRANCH)).toEqual([...first, ...more]);
      });

      it('writes several lanes at once', async () => {
        const a = makeOperations('a', 0, 2);
        const b = makeOperations('b', 0, 1);
        const result = await store.append(
          request([
            { scope: 'a', expectedHead: -1, operations: a },
            { scope: 'b', expectedHead: -1, operations: b },
          ]),
        );
        expect(result.replayed).toBe(false);
        expect(result.operations).toEqual([...a, ...b]);
        expect(await heads('a', 'b')).toEqual([1, 0]);
      });

      it('refuses a stale expected head with WriteConflictError and writes nothing', async () => {
        await store.append(
          request([{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 2) }]),
        );
        const error = await store
          .append(
            request([
              { scope: 'a', expectedHead: 0, operations: [makeOperation('a', 1, { key: 'late' })] },
            ]),
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteConflictError);
        expect(error).toMatchObject({ expectedHead: 0, actualHead: 1 });
        expect((error as WriteConflictError).lane).toContain('a');
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(1);
        expect((await store.getOperations(DOC, 'a', BRANCH)).map((op) => op.action.id)).toEqual([
          'a-k0',
          'a-k1',
        ]);
      });

      it('is atomic across lanes: a conflict on one lane writes nothing on any', async () => {
        await store.append(
          request([{ scope: 'b', expectedHead: -1, operations: makeOperations('b', 0, 1) }]),
        );
        const attempt = request([
          { scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 2) },
          { scope: 'b', expectedHead: -1, operations: [makeOperation('b', 0, { key: 'other' })] },
        ]);
        await expect(store.append(attempt)).rejects.toBeInstanceOf(WriteConflictError);
        expect(await heads('a', 'b')).toEqual([-1, 0]);
        expect(await store.getOperations(DOC, 'a', BRANCH)).toEqual([]);
        expect(await store.findOperations(DOC, BRANCH, [ref('a', makeOperation('a', 0))])).toEqual([
          undefined,
        ]);
      });

      it('returns the stored operations of a replay, with replayed: true, writing nothing', async () => {
        const a = makeOperations('a', 0, 2);
        const b = makeOperations('b', 0, 1);
        const lanes = [
          { scope: 'a', expectedHead: -1, operations: a },
          { scope: 'b', expectedHead: -1, operations: b },
        ];
        await store.append(request(lanes));
        // The same request again, with expected heads that are stale by now.
        const replay = await store.append(request(lanes));
        expect(replay).toEqual({ operations: [...a, ...b], replayed: true });
        expect(await heads('a', 'b')).toEqual([1, 0]);
        expect(await store.getOperations(DOC, 'a', BRANCH)).toEqual(a);
      });

      it('checks read-fence lanes (no operations) without writing to them', async () => {
        await store.append(
          request([{ scope: 'b', expectedHead: -1, operations: makeOperations('b', 0, 1) }]),
        );
        const fenced = (bHead: number) =>
          request([
            { scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) },
            { scope: 'b', expectedHead: bHead, operations: [] },
          ]);
        await expect(store.append(fenced(-1))).rejects.toBeInstanceOf(WriteConflictError);
        expect(await heads('a', 'b')).toEqual([-1, 0]);
        const result = await store.append(fenced(0));
        expect(result.operations).toHaveLength(1);
        expect(await heads('a', 'b')).toEqual([0, 0]);
      });

      it('writes nothing and throws the reason when the signal is aborted', async () => {
        const controller = new AbortController();
        const reason = new Error('attempt timed out');
        controller.abort(reason);
        const error = await store
          .append(
            request([{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 2) }], {
              signal: controller.signal,
            }),
          )
          .catch((e: unknown) => e);
        expect(error).toBe(reason);
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(-1);
        expect(await store.findOperations(DOC, BRANCH, [ref('a', makeOperation('a', 0))])).toEqual([
          undefined,
        ]);
      });

      it('writes when the signal is not aborted', async () => {
        const controller = new AbortController();
        await store.append(
          request([{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }], {
            signal: controller.signal,
          }),
        );
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(0);
      });

      it('refuses operations whose indexes do not follow the head, writing nothing', async () => {
        const gap = [makeOperation('a', 0), makeOperation('a', 2)];
        await expect(
          store.append(request([{ scope: 'a', expectedHead: -1, operations: gap }])),
        ).rejects.toThrow();
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(-1);
      });

      it('keeps lanes of different documents and branches apart', async () => {
        await store.append(
          request([{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 2) }]),
        );
        const other = makeOperations('a', 0, 1, { documentId: 'doc-2' });
        await store.append({
          documentId: 'doc-2',
          branch: BRANCH,
          lanes: [{ scope: 'a', expectedHead: -1, operations: other }],
        });
        const draft = makeOperations('a', 0, 1, { branch: 'draft' });
        await store.append({
          documentId: DOC,
          branch: 'draft',
          lanes: [{ scope: 'a', expectedHead: -1, operations: draft }],
        });
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(1);
        expect(await store.getOperations('doc-2', 'a', BRANCH)).toEqual(other);
        expect(await store.getOperations(DOC, 'a', 'draft')).toEqual(draft);
      });
    });

    describe('snapshots', () => {
      it('stores the snapshot of an append at the lane head, replacing the previous one', async () => {
        await store.append(
          request([
            {
              scope: 'a',
              expectedHead: -1,
              operations: makeOperations('a', 0, 2),
              snapshot: { state: { count: 2 }, hash: 'h2' },
            },
          ]),
        );
        expect(await store.getSnapshot(DOC, 'a', BRANCH)).toEqual({
          index: 1,
          state: { count: 2 },
          hash: 'h2',
        });
        await store.append(
          request([
            {
              scope: 'a',
              expectedHead: 1,
              operations: makeOperations('a', 2, 1),
              snapshot: { state: { count: 3 }, hash: 'h3' },
            },
          ]),
        );
        expect(await store.getSnapshot(DOC, 'a', BRANCH)).toEqual({
          index: 2,
          state: { count: 3 },
          hash: 'h3',
        });
      });

      it('keeps the latest snapshot when an append brings none', async () => {
        await store.append(
          request([
            {
              scope: 'a',
              expectedHead: -1,
              operations: makeOperations('a', 0, 1),
              snapshot: { state: { n: 1 }, hash: 'h1' },
            },
          ]),
        );
        await store.append(
          request([{ scope: 'a', expectedHead: 0, operations: makeOperations('a', 1, 1) }]),
        );
        expect(await store.getSnapshot(DOC, 'a', BRANCH)).toEqual({
          index: 0,
          state: { n: 1 },
          hash: 'h1',
        });
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(1);
      });

      it('stores nothing when the append conflicts', async () => {
        await expect(
          store.append(
            request([
              {
                scope: 'a',
                expectedHead: 3,
                operations: makeOperations('a', 4, 1),
                snapshot: { state: {}, hash: 'h' },
              },
            ]),
          ),
        ).rejects.toBeInstanceOf(WriteConflictError);
        expect(await store.getSnapshot(DOC, 'a', BRANCH)).toBeUndefined();
      });
    });

    describe('getOperations', () => {
      it('returns the operations from fromIndex on', async () => {
        const ops = makeOperations('a', 0, 5);
        await store.append(request([{ scope: 'a', expectedHead: -1, operations: ops }]));
        expect(await store.getOperations(DOC, 'a', BRANCH, 3)).toEqual(ops.slice(3));
        expect(await store.getOperations(DOC, 'a', BRANCH, 0)).toEqual(ops);
        expect(await store.getOperations(DOC, 'a', BRANCH, 5)).toEqual([]);
        expect(await store.getOperations(DOC, 'a', BRANCH, 50)).toEqual([]);
      });

      it('returns a new array each time', async () => {
        await store.append(
          request([{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 2) }]),
        );
        const list = await store.getOperations(DOC, 'a', BRANCH);
        list.pop();
        list.push(makeOperation('a', 9));
        expect((await store.getOperations(DOC, 'a', BRANCH)).map((op) => op.index)).toEqual([0, 1]);
        expect(await store.getHead(DOC, 'a', BRANCH)).toBe(1);
      });
    });

    describe('findOperations', () => {
      it('answers each ref in order: the stored operation, or undefined', async () => {
        const a = makeOperations('a', 0, 3);
        const b = makeOperations('b', 0, 1);
        await store.append(
          request([
            { scope: 'a', expectedHead: -1, operations: a },
            { scope: 'b', expectedHead: -1, operations: b },
          ]),
        );
        const found = await store.findOperations(DOC, BRANCH, [
          ref('a', a[2]!),
          { scope: 'a', id: 'not-stored' },
          ref('b', b[0]!),
          ref('a', a[2]!),
        ]);
        expect(found).toEqual([a[2], undefined, b[0], a[2]]);
      });

      it('looks only in the given lane: document, branch and scope', async () => {
        const ops = makeOperations('a', 0, 1);
        await store.append(request([{ scope: 'a', expectedHead: -1, operations: ops }]));
        const id = ops[0]?.id as string;
        expect(await store.findOperations('doc-2', BRANCH, [{ scope: 'a', id }])).toEqual([
          undefined,
        ]);
        expect(await store.findOperations(DOC, 'draft', [{ scope: 'a', id }])).toEqual([undefined]);
        expect(await store.findOperations(DOC, BRANCH, [{ scope: 'b', id }])).toEqual([undefined]);
        expect(await store.findOperations(DOC, BRANCH, [{ scope: 'a', id }])).toEqual(ops);
      });
    });

    describe('an operation that records a reducer rejection', () => {
      it('keeps its `error` through every read, and an applied one has none', async () => {
        const [applied, rejected] = makeOperations('a', 0, 2) as [Operation, Operation];
        rejected.error = 'Node with id n1 already exists!';
        const ops = [applied, rejected];
        await store.append(request([{ scope: 'a', expectedHead: -1, operations: ops }]));
        const read = await store.getOperations(DOC, 'a', BRANCH);
        expect(read).toEqual(ops);
        expect('error' in (read[0] as Operation)).toBe(false);
        expect(await store.findOperations(DOC, BRANCH, [ref('a', rejected)])).toEqual([rejected]);
        // A replay of the same append answers with the stored operations, error included.
        const replay = await store.append(
          request([{ scope: 'a', expectedHead: -1, operations: ops }]),
        );
        expect(replay).toEqual({ operations: ops, replayed: true });
      });
    });

    // The id formula joins its parts with ':' (it must stay byte-compatible with the Powerhouse
    // reactor's), so actions of two lanes can share an id: ids are unique per lane only.
    describe('one operation id in two lanes', () => {
      type Lane = { documentId: string; scope: string; branch: string };
      const collisions: [string, Lane & { action: string }, Lane & { action: string }][] = [
        [
          'documents A and A:global:main',
          { documentId: 'A', scope: 'global', branch: 'main', action: 'global:main:z' },
          { documentId: 'A:global:main', scope: 'global', branch: 'main', action: 'z' },
        ],
        [
          'branches main and main:x',
          { documentId: DOC, scope: 'global', branch: 'main', action: 'x:y' },
          { documentId: DOC, scope: 'global', branch: 'main:x', action: 'y' },
        ],
        [
          'scopes g and g:main',
          { documentId: DOC, scope: 'g', branch: 'main', action: 'main:z' },
          { documentId: DOC, scope: 'g:main', branch: 'main', action: 'z' },
        ],
      ];

      for (const [title, first, second] of collisions) {
        it(`${title}: both are written, each lane holds and finds only its own`, async () => {
          const one = laneOperation(first);
          const two = laneOperation(second);
          expect(one.id).toBe(two.id);
          expect(await appendTo(first, one)).toEqual({ operations: [one], replayed: false });
          expect(await appendTo(second, two)).toEqual({ operations: [two], replayed: false });
          for (const [lane, own] of [
            [first, one],
            [second, two],
          ] as const) {
            expect(await store.getOperations(lane.documentId, lane.scope, lane.branch)).toEqual([
              own,
            ]);
            expect(
              await store.findOperations(lane.documentId, lane.branch, [
                { scope: lane.scope, id: own.id },
              ]),
            ).toEqual([own]);
          }
          // A re-run in each lane is that lane's replay, not the other's.
          expect(await appendTo(first, one)).toEqual({ operations: [one], replayed: true });
          expect(await appendTo(second, two)).toEqual({ operations: [two], replayed: true });
          expect(await store.getHead(first.documentId, first.scope, first.branch)).toBe(0);
          expect(await store.getHead(second.documentId, second.scope, second.branch)).toBe(0);
        });
      }

      it('two lanes of one request may hold the same id; a replay returns each its own', async () => {
        const [, g, gMain] = collisions[2]!;
        const one = laneOperation(g);
        const two = laneOperation(gMain);
        const lanes = [
          { scope: g.scope, expectedHead: -1, operations: [one] },
          { scope: gMain.scope, expectedHead: -1, operations: [two] },
        ];
        expect(await store.append(request(lanes))).toEqual({
          operations: [one, two],
          replayed: false,
        });
        expect(await store.append(request(lanes))).toEqual({
          operations: [one, two],
          replayed: true,
        });
        expect(
          await store.findOperations(DOC, BRANCH, [
            { scope: gMain.scope, id: two.id },
            { scope: g.scope, id: one.id },
          ]),
        ).toEqual([two, one]);
      });

      it('an id given twice in one lane is still malformed', async () => {
        const [, g] = collisions[2]!;
        const one = laneOperation(g);
        const again = { ...laneOperation(g), index: 1 };
        await expect(
          store.append(request([{ scope: g.scope, expectedHead: -1, operations: [one, again] }])),
        ).rejects.toThrow(/Malformed append/);
        expect(await store.getHead(DOC, g.scope, BRANCH)).toBe(-1);
      });

      /** The operation applying `lane.action` first in the lane, its id by the real formula. */
      function laneOperation(lane: Lane & { action: string }): Operation {
        const action = { ...makeAction(lane.scope, lane.action), input: { lane } };
        return {
          id: operationId(lane.documentId, lane.scope, lane.branch, action.id),
          index: 0,
          skip: 0,
          hash: `hash-${JSON.stringify(lane)}`,
          timestampUtcMs: action.timestampUtcMs,
          action,
        };
      }

      function appendTo(lane: Lane, operation: Operation) {
        return store.append({
          documentId: lane.documentId,
          branch: lane.branch,
          lanes: [{ scope: lane.scope, expectedHead: -1, operations: [operation] }],
        });
      }
    });
  });
}

/** The ref of an operation stored in lane `scope` of `DOC`/`BRANCH`. */
function ref(scope: string, operation: Operation): OperationRef {
  return { scope, id: operation.id };
}
