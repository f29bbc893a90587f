import {
  MemoryEventBus,
  MemoryOperationStore,
  MemoryQueue,
} from '../../src/adapters/memory/index.js';
import { describeOperationStoreConformance } from '../conformance/operation-store-conformance.js';
import { describeQueueConformance } from '../conformance/queue-conformance.js';

describeQueueConformance('memory', async ({ clock }) => {
  const bus = new MemoryEventBus();
  const queue = new MemoryQueue({ bus, clock });
  return { queue, bus, cleanup: () => queue.close() };
});

describeOperationStoreConformance('memory', async () => {
  const store = new MemoryOperationStore();
  return { store, cleanup: () => store.close() };
});
