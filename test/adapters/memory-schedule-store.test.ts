import { MemoryScheduleStore } from '../../src/adapters/memory/memory-schedule-store.js';
import { describeScheduleStoreConformance } from '../conformance/schedule-store-conformance.js';

describeScheduleStoreConformance('memory', async () => ({
  store: new MemoryScheduleStore(),
  cleanup: async () => {},
}));
