/**
 * The PostgreSQL adapters (`seriatim/postgres`): a durable queue and operation store that any
 * number of processes on any number of machines share.
 * @module
 */

export { connectPostgresStorage } from './connect-postgres-storage.js';
export { migrations } from './migrations.js';
export { PostgresOperationStore } from './postgres-operation-store.js';
export {
  POSTGRES_DEFAULTS,
  type PostgresStorageOptions,
  resolvePostgresOptions,
} from './postgres-options.js';
export { PostgresQueue } from './postgres-queue.js';
export { PostgresReaper } from './postgres-reaper.js';
export {
  PostgresScheduleStore,
  type PostgresScheduleStoreOptions,
} from './postgres-schedule-store.js';
export { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';
