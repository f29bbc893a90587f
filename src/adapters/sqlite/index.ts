/**
 * The SQLite adapters (`seriatim/sqlite`): durable storage on one machine, in one file that
 * several processes may share.
 * @module
 */
export type { Migration } from './migrations.js';
export type { ClaimCompleter, SqliteOperationStoreOptions } from './sqlite-operation-store.js';
export { SqliteOperationStore } from './sqlite-operation-store.js';
export {
  type ResolvedSqliteOptions,
  resolveSqliteOptions,
  SQLITE_DEFAULTS,
  type SqliteStorageOptions,
} from './sqlite-options.js';
export { SqliteQueue, type SqliteQueueOptions } from './sqlite-queue.js';
export { SqliteReaper, type SqliteReaperOptions } from './sqlite-reaper.js';
export { SqliteScheduleStore } from './sqlite-schedule-store.js';
export { createSqliteStorage, type SqliteStorage } from './sqlite-storage.js';
