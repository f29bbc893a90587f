import { describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import type { ScheduleRecord } from '../../src/adapters/ports.js';
import { createSqliteStorage, SqliteScheduleStore } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { JobValidationError } from '../../src/errors.js';
import { T0 } from '../conformance/fixtures.js';
import { describeScheduleStoreConformance } from '../conformance/schedule-store-conformance.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const open = (path: string, runnerId: string) =>
  createSqliteStorage(path, { bus: new MemoryEventBus(), clock: systemClock, runnerId });

// `other` is a second connection to the same file: claims race across connections.
describeScheduleStoreConformance('sqlite', async () => {
  const path = tempDbPath();
  const storage = open(path, 'conformance');
  const other = open(path, 'conformance-other');
  return {
    store: storage.scheduleStore,
    other: other.scheduleStore,
    cleanup: async () => {
      await other.close();
      await storage.close();
      removeDb(path);
    },
  };
});

describe('SqliteScheduleStore', () => {
  const record: ScheduleRecord = {
    id: 's',
    cron: '* * * * *',
    timezone: 'UTC',
    createdAt: T0,
    since: T0,
    updatedAt: T0,
  };

  it('is the storage’s scheduleStore, and keeps schedules and their last tick across a reopen', async () => {
    const path = tempDbPath();
    try {
      const first = open(path, 'a');
      expect(first.scheduleStore).toBeInstanceOf(SqliteScheduleStore);
      await first.scheduleStore.save(record);
      expect(await first.scheduleStore.claimTick('s', T0 + 60_000)).toBe(true);
      await first.close();
      const second = open(path, 'b');
      expect(await second.scheduleStore.list()).toEqual([record]);
      expect(await second.scheduleStore.lastTick('s')).toBe(T0 + 60_000);
      expect(await second.scheduleStore.claimTick('s', T0 + 60_000)).toBe(false);
      await second.close();
    } finally {
      removeDb(path);
    }
  });

  it('rejects bad input naming the field, and stores nothing', async () => {
    const path = tempDbPath();
    const storage = open(path, 'a');
    const store = storage.scheduleStore;
    try {
      const cases: [unknown, string][] = [
        [{ ...record, id: '' }, 'schedule.id'],
        [{ ...record, cron: 5 }, 'schedule.cron'],
        [{ ...record, timezone: undefined }, 'schedule.timezone'],
        [{ ...record, createdAt: 1.5 }, 'schedule.createdAt'],
        [{ ...record, since: Number.NaN }, 'schedule.since'],
        [{ ...record, updatedAt: '1' }, 'schedule.updatedAt'],
        [{ ...record, job: [] }, 'schedule.job'],
        [{ ...record, job: { documentId: 'd', n: 10n } }, 'schedule.job'],
        [null, 'schedule'],
      ];
      for (const [bad, field] of cases) {
        const error = await store.save(bad as ScheduleRecord).catch((e: unknown) => e);
        expect(error, field).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).field).toBe(field);
      }
      expect(await store.list()).toEqual([]);
      await store.save(record);
      await expect(store.claimTick('s', Number.NaN)).rejects.toMatchObject({ field: 'tickAt' });
      await expect(store.claimTick('', T0)).rejects.toMatchObject({ field: 'scheduleId' });
      await expect(store.get(7 as unknown as string)).rejects.toThrow(/`scheduleId`/);
      expect(await store.lastTick('s')).toBeUndefined();
    } finally {
      await storage.close();
      removeDb(path);
    }
  });
});
