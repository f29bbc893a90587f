import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { describeOperationStoreConformance } from '../conformance/operation-store-conformance.js';
import { describeQueueConformance } from '../conformance/queue-conformance.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

describeQueueConformance('sqlite', async ({ clock }) => {
  const path = tempDbPath();
  const bus = new MemoryEventBus();
  const storage = createSqliteStorage(path, { bus, clock, runnerId: 'conformance' });
  return {
    queue: storage.queue,
    bus,
    cleanup: async () => {
      await storage.close();
      removeDb(path);
    },
  };
});

describeOperationStoreConformance('sqlite', async () => {
  const path = tempDbPath();
  const storage = createSqliteStorage(path, {
    bus: new MemoryEventBus(),
    clock: systemClock,
    runnerId: 'conformance',
  });
  return {
    store: storage.store,
    cleanup: async () => {
      await storage.close();
      removeDb(path);
    },
  };
});
