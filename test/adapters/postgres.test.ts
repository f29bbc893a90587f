import { afterAll, describe } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import { createPostgresStorage } from '../../src/adapters/postgres/index.js';
import { systemClock } from '../../src/clock.js';
import { describeOperationStoreConformance } from '../conformance/operation-store-conformance.js';
import { describeQueueConformance } from '../conformance/queue-conformance.js';
import { closeAdmin, dropSchema, hasPostgres, PG_URL, schemaName } from '../support/postgres.js';

// Each test gets a fresh schema (migrated on first use) and drops it afterwards.
describe.skipIf(!hasPostgres)('postgres adapters', () => {
  const url = PG_URL as string;
  afterAll(closeAdmin);

  describeQueueConformance('postgres', async ({ clock }) => {
    const bus = new MemoryEventBus();
    const schema = schemaName('queue');
    const storage = createPostgresStorage(url, { bus, clock, runnerId: 'r1' }, { schema });
    return {
      queue: storage.queue,
      bus,
      async cleanup() {
        await storage.close();
        await dropSchema(schema);
      },
    };
  });

  describeOperationStoreConformance('postgres', async () => {
    const schema = schemaName('store');
    const storage = createPostgresStorage(
      url,
      { bus: new MemoryEventBus(), clock: systemClock, runnerId: 'r1' },
      { schema },
    );
    return {
      store: storage.store,
      async cleanup() {
        await storage.close();
        await dropSchema(schema);
      },
    };
  });
});
