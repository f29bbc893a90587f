import { afterAll, describe, expect, it } from 'vitest';
import type { ScheduleRecord } from '../../src/adapters/ports.js';
import { PostgresScheduleStore } from '../../src/adapters/postgres/index.js';
import { JobValidationError } from '../../src/errors.js';
import { T0 } from '../conformance/fixtures.js';
import { describeScheduleStoreConformance } from '../conformance/schedule-store-conformance.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  schemaName,
} from '../support/postgres.js';

// Each test gets a fresh schema; `other` is a second storage (its own pool) on the same schema,
// so concurrent claims of one tick come from different connections.
describe.skipIf(!hasPostgres)('postgres schedule store', () => {
  afterAll(closeAdmin);

  describeScheduleStoreConformance('postgres', async () => {
    const schema = schemaName('sched');
    const storage = openStorage(schema, { runnerId: 'r1' });
    const other = openStorage(schema, { runnerId: 'r2' });
    await storage.migrate();
    return {
      store: storage.scheduleStore,
      other: other.scheduleStore,
      async cleanup() {
        await other.close();
        await storage.close();
        await dropSchema(schema);
      },
    };
  });

  describe('PostgresScheduleStore', () => {
    const record: ScheduleRecord = {
      id: 's',
      cron: '* * * * *',
      timezone: 'UTC',
      job: { documentId: 'd', scopes: ['global'], actions: [], meta: { z: 1, a: [2, { b: 3 }] } },
      createdAt: T0,
      since: T0,
      updatedAt: T0,
    };

    it('is the storage’s scheduleStore, and keeps schedules and their last tick for the next process', async () => {
      const schema = schemaName('sched');
      try {
        const first = openStorage(schema);
        expect(first.scheduleStore).toBeInstanceOf(PostgresScheduleStore);
        await first.scheduleStore.save(record);
        expect(await first.scheduleStore.claimTick('s', T0 + 60_000)).toBe(true);
        await first.close();
        const second = openStorage(schema);
        expect(await second.scheduleStore.list()).toEqual([record]);
        expect(await second.scheduleStore.lastTick('s')).toBe(T0 + 60_000);
        expect(await second.scheduleStore.claimTick('s', T0 + 60_000)).toBe(false);
        await second.close();
      } finally {
        await dropSchema(schema);
      }
    });

    it('lists ids in byte order whatever the database locale', async () => {
      const schema = schemaName('sched');
      const storage = openStorage(schema);
      try {
        for (const id of ['b', 'B', 'a', '_x']) await storage.scheduleStore.save({ ...record, id });
        expect((await storage.scheduleStore.list()).map((r) => r.id)).toEqual([
          'B',
          '_x',
          'a',
          'b',
        ]);
      } finally {
        await storage.close();
        await dropSchema(schema);
      }
    });

    it('rejects bad input naming the field, and stores nothing', async () => {
      const schema = schemaName('sched');
      const storage = openStorage(schema);
      const store = storage.scheduleStore;
      try {
        const cases: [unknown, string][] = [
          [{ ...record, id: '' }, 'schedule.id'],
          [{ ...record, cron: 5 }, 'schedule.cron'],
          [{ ...record, timezone: undefined }, 'schedule.timezone'],
          [{ ...record, createdAt: 1.5 }, 'schedule.createdAt'],
          [{ ...record, since: Number.NaN }, 'schedule.since'],
          [{ ...record, updatedAt: '1' }, 'schedule.updatedAt'],
          [{ ...record, job: 'job' }, 'schedule.job'],
          [{ ...record, job: { documentId: 'd', n: 10n } }, 'schedule.job'],
        ];
        for (const [bad, field] of cases) {
          const error = await store.save(bad as ScheduleRecord).catch((e: unknown) => e);
          expect(error, field).toBeInstanceOf(JobValidationError);
          expect((error as JobValidationError).field).toBe(field);
        }
        expect(await store.list()).toEqual([]);
        await store.save(record);
        await expect(store.claimTick('s', 2 ** 60)).rejects.toMatchObject({ field: 'tickAt' });
        await expect(store.delete('')).rejects.toMatchObject({ field: 'scheduleId' });
        expect(await store.lastTick('s')).toBeUndefined();
      } finally {
        await storage.close();
        await dropSchema(schema);
      }
    });
  });
});
