/**
 * `createMemoryStorage`: a queue and an operation store in this process's memory.
 * @module
 */
import type { Storage, StorageContext } from '../ports.js';
import { MemoryOperationStore } from './memory-operation-store.js';
import { MemoryQueue } from './memory-queue.js';

/**
 * The in-memory {@link Storage} (`storage: 'memory'`, the default): nothing survives the process,
 * so there is nothing to reap and no background work; the store completes claims inside
 * `append`, like the durable storages.
 */
export function createMemoryStorage(ctx: StorageContext): Storage & {
  queue: MemoryQueue;
  store: MemoryOperationStore;
} {
  const queue = new MemoryQueue({ bus: ctx.bus, clock: ctx.clock });
  const store = new MemoryOperationStore({ claims: queue });
  return { queue, store, close: async () => {} };
}
