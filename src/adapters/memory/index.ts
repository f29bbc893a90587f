/**
 * The in-memory adapters: no dependencies, the default for library use and tests.
 * @module
 */
export { MemoryEventBus, type MemoryEventBusOptions } from './memory-event-bus.js';
export { MemoryOperationStore } from './memory-operation-store.js';
export { MemoryQueue, type MemoryQueueOptions } from './memory-queue.js';
export { MemoryScheduleStore } from './memory-schedule-store.js';
export { createMemoryStorage } from './memory-storage.js';
