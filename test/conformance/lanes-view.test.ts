/**
 * The operations view (`queue.overview`, `queue.lanes`, `jobDetail`) on the three stores: the same
 * scenario, the same answers (README, Dashboard).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IOperationStore, IQueue } from '../../src/adapters/ports.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import { jobDetail } from '../../src/dashboard/job-detail.js';
import { operationId } from '../../src/document/operation-id.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';
import { jobInput, T0 } from './fixtures.js';

type Fixture = { queue: IQueue; store: IOperationStore; cleanup(): Promise<void> };

const backends: { name: string; skip: boolean; open(clock: SimulatedClock): Promise<Fixture> }[] = [
  {
    name: 'memory',
    skip: false,
    async open(clock) {
      const queue = new MemoryQueue({ bus: new MemoryEventBus(), clock });
      return { queue, store: new MemoryOperationStore(), cleanup: async () => {} };
    },
  },
  {
    name: 'sqlite',
    skip: false,
    async open(clock) {
      const path = tempDbPath();
      const storage = createSqliteStorage(path, {
        bus: new MemoryEventBus(),
        clock,
        runnerId: 'r',
      });
      return {
        queue: storage.queue,
        store: storage.store,
        cleanup: async () => {
          await storage.close();
          removeDb(path);
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: !hasPostgres,
    async open(clock) {
      const schema = schemaName('view');
      const storage = openStorage(schema, { clock });
      return {
        queue: storage.queue,
        store: storage.store,
        cleanup: async () => {
          await storage.close();
          await dropSchema(schema);
        },
      };
    },
  },
];

afterAll(async () => {
  if (hasPostgres) await closeAdmin();
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`operations view: ${backend.name}`, () => {
    let clock: SimulatedClock;
    let fx: Fixture;
    beforeEach(async () => {
      clock = new SimulatedClock();
      clock.set(T0);
      fx = await backend.open(clock);
    });
    afterEach(() => fx.cleanup());

    /** a/global: a1 (halted) then a2; b/global + b/local: b1 (two lanes); c/global: c1. */
    async function scenario() {
      const { queue } = fx;
      const a1 = await queue.enqueue(jobInput('a', ['global'], { id: 'a1' }));
      clock.increment(10);
      await queue.enqueue(jobInput('a', ['global'], { id: 'a2' }));
      clock.increment(10);
      await queue.enqueue(jobInput('b', ['global', 'local'], { id: 'b1' }));
      clock.increment(10);
      await queue.enqueue(jobInput('c', ['global'], { id: 'c1' }));
      const claims = await queue.claim('r', 10);
      const byId = new Map(claims.map((c) => [c.job.id, c]));
      const claimA1 = byId.get('a1');
      const claimC1 = byId.get('c1');
      const claimB1 = byId.get('b1');
      if (!claimA1 || !claimC1 || !claimB1) throw new Error('expected a1, b1 and c1 claimed');
      await queue.fail(
        { jobId: 'a1', token: claimA1.token },
        { attempts: 1, errorCode: 7, errorMessage: 'boom', halt: true },
      );
      await queue.release({ jobId: 'c1', token: claimC1.token }, 1);
      return { a1, claimB1 };
    }

    it('counts jobs, lanes with work and blocked lanes, and names the oldest pending job', async () => {
      const { queue } = fx;
      expect(await queue.overview?.()).toEqual({
        counts: { pending: 0, running: 0, completed: 0, failed: 0 },
        retrying: 0,
        lanesWithWork: 0,
        blockedLanes: 0,
      });
      await scenario();
      expect(await queue.overview?.()).toEqual({
        counts: { pending: 2, running: 1, completed: 0, failed: 1 },
        retrying: 1,
        lanesWithWork: 4,
        blockedLanes: 1,
        oldestPending: { jobId: 'a2', createdAt: T0 + 10 },
      });
    });

    it('pages the lanes with work, oldest head first, with backlog, head job and its error', async () => {
      const { queue } = fx;
      await scenario();
      const page = await queue.lanes?.();
      expect(page?.total).toBe(4);
      expect(page?.lanes.map((l) => [l.documentId, l.scope, l.branch, l.backlog])).toEqual([
        ['a', 'global', 'main', 2],
        ['b', 'global', 'main', 1],
        ['b', 'local', 'main', 1],
        ['c', 'global', 'main', 1],
      ]);
      expect(page?.lanes[0]?.head).toEqual({
        jobId: 'a1',
        status: 'FAILED',
        createdAt: T0,
        attempts: 1,
        halted: true,
        errorCode: 7,
        errorMessage: 'boom',
        laneCount: 1,
      });
      expect(page?.lanes[1]?.head).toMatchObject({ jobId: 'b1', status: 'RUNNING', laneCount: 2 });
      expect(page?.lanes[3]?.head).toMatchObject({ jobId: 'c1', status: 'PENDING', attempts: 1 });

      const second = await queue.lanes?.({ offset: 1, limit: 2 });
      expect(second).toMatchObject({ total: 4, offset: 1, limit: 2 });
      expect(second?.lanes.map((l) => `${l.documentId}/${l.scope}`)).toEqual([
        'b/global',
        'b/local',
      ]);

      const blocked = await queue.lanes?.({ blocked: true });
      expect(blocked?.total).toBe(1);
      expect(blocked?.lanes.map((l) => l.head.jobId)).toEqual(['a1']);
    });

    it('moves on when the halted job is skipped', async () => {
      const { queue } = fx;
      await scenario();
      await queue.skip('a1');
      const page = await queue.lanes?.();
      expect(page?.lanes[0]).toMatchObject({
        documentId: 'a',
        backlog: 1,
        head: { jobId: 'a2', halted: false },
      });
      expect(page?.lanes[0]?.head.errorCode).toBeUndefined();
      expect((await queue.overview?.())?.blockedLanes).toBe(0);
      expect((await queue.lanes?.({ blocked: true }))?.total).toBe(0);
    });

    it('pages 10,000 lanes: the total, a first page, the last partial one', async () => {
      const inputs = Array.from({ length: 10_000 }, (_, i) =>
        jobInput(`doc-${String(i).padStart(5, '0')}`, ['global'], { id: `j${i}` }),
      );
      for (let i = 0; i < inputs.length; i += 1000) {
        await fx.queue.enqueueMany(inputs.slice(i, i + 1000));
      }
      const started = performance.now();
      const first = await fx.queue.lanes?.({ limit: 50 });
      const last = await fx.queue.lanes?.({ offset: 9_990, limit: 50 });
      const overview = await fx.queue.overview?.();
      // Reported, not asserted (no wall-clock thresholds in tests).
      process.stderr.write(
        `lanes view, ${backend.name}, 10,000 lanes: 2 pages + overview in ${(performance.now() - started).toFixed(0)} ms\n`,
      );
      expect(first?.total).toBe(10_000);
      expect(first?.lanes.map((l) => l.head.jobId).slice(0, 2)).toEqual(['j0', 'j1']);
      expect(last?.lanes.map((l) => l.head.jobId)).toEqual(
        Array.from({ length: 10 }, (_, i) => `j${9_990 + i}`),
      );
      expect(overview).toMatchObject({ lanesWithWork: 10_000, oldestPending: { jobId: 'j0' } });
    }, 60_000);

    it('rejects a bad page, naming the field', async () => {
      await expect(fx.queue.lanes?.({ limit: 0 })).rejects.toThrow(/`limit`/);
      await expect(fx.queue.lanes?.({ offset: -1 })).rejects.toThrow(/`offset`/);
    });

    it('details a job: lanes, attempts, last error, operations written', async () => {
      const { queue, store } = fx;
      const { claimB1 } = await scenario();
      const [global, local] = claimB1.job.actions.map((action, index) => ({
        id: '',
        index: 0,
        skip: 0,
        hash: `h${index}`,
        timestampUtcMs: action.timestampUtcMs,
        action,
      }));
      if (!global || !local) throw new Error('expected two actions');
      global.id = operationId('b', 'global', 'main', global.action.id);
      local.id = operationId('b', 'local', 'main', local.action.id);
      await store.append({
        documentId: 'b',
        branch: 'main',
        lanes: [
          { scope: 'global', expectedHead: -1, operations: [global] },
          { scope: 'local', expectedHead: -1, operations: [local] },
        ],
      });
      await queue.complete({ jobId: 'b1', token: claimB1.token }, 1);
      const b1 = await jobDetail(queue, store, 'b1');
      expect(b1?.job.status).toBe('COMPLETED');
      expect(b1?.lanes.map((l) => l.scope)).toEqual(['global', 'local']);
      expect(b1?.operations.map((op) => [op.action.scope, op.index])).toEqual([
        ['global', 0],
        ['local', 0],
      ]);
      const a1 = await jobDetail(queue, store, 'a1');
      expect(a1?.job).toMatchObject({
        attempts: 1,
        halted: true,
        lastError: { code: 7, message: 'boom' },
      });
      expect(a1?.operations).toEqual([]);
      expect(await jobDetail(queue, store, 'nope')).toBeUndefined();
    });
  });
}
