/**
 * Opening the main command's storage, with transient write faults injected by a store decorator.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createMemoryStorage } from '../adapters/memory/memory-storage.js';
import type { IOperationStore, Storage, StorageContext } from '../adapters/ports.js';
import type { StorageChoice } from './args.js';

// Entry points of the durable adapters, loaded on demand (as `createReactor` does) so that a
// memory run never loads a native module.
const SQLITE_ENTRY = '../adapters/sqlite/index.js';
const POSTGRES_ENTRY = '../adapters/postgres/index.js';
type SqliteEntry = {
  createSqliteStorage(path: string, ctx: StorageContext): Storage | Promise<Storage>;
};
type PostgresEntry = {
  connectPostgresStorage(url: string, ctx: StorageContext): Promise<Storage>;
};

/** The storage a run ended up with (SQLite falls back to memory while its adapter is missing). */
export type OpenedStorage = { storage: Storage; label: string; durable: boolean };

/**
 * Opens the chosen storage. Only when the SQLite adapter module does not exist at all does it fall
 * back to memory, and `warn` says so; any other failure (a bad path, a locked file) is thrown.
 */
export async function openStorage(
  choice: StorageChoice,
  ctx: StorageContext,
  warn: (message: string) => void,
): Promise<OpenedStorage> {
  if (choice.kind === 'sqlite') {
    let entry: SqliteEntry | undefined;
    try {
      entry = (await import(SQLITE_ENTRY)) as SqliteEntry;
    } catch (error) {
      if (!isMissingModule(error, 'adapters/sqlite')) throw error;
      warn(
        'The SQLite adapter (src/adapters/sqlite) is not available yet: running on memory storage ' +
          '(nothing is kept, no resume). Use --storage memory to silence this message.',
      );
    }
    if (entry) {
      if (choice.path !== ':memory:') mkdirSync(dirname(choice.path), { recursive: true });
      const storage = await entry.createSqliteStorage(choice.path, ctx);
      return { storage, label: `sqlite:${choice.path}`, durable: true };
    }
  } else if (choice.kind === 'postgres') {
    const entry = (await import(POSTGRES_ENTRY)) as PostgresEntry;
    // Connects now: an unreachable server fails here with a StorageUnavailableError.
    const storage = await entry.connectPostgresStorage(choice.url, ctx);
    return { storage, label: `postgres:${redact(choice.url)}`, durable: true };
  }
  // The library's memory storage: its store completes claims inside the append, as createReactor's.
  return { storage: createMemoryStorage(ctx), label: 'memory', durable: false };
}

function isMissingModule(error: unknown, path: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as Error | null)?.message ?? '');
  return code === 'ERR_MODULE_NOT_FOUND' && message.includes(path);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * A store decorator that makes `append` fail with a transient driver error (SQLite busy, or a
 * Postgres serialization failure) with probability
 * `rate`, before the write reaches the store (so nothing is written). The runtime maps it to
 * IO_ERROR and retries the job with backoff. `random` is seeded by the caller; `faults` counts.
 *
 * It also lets the event loop take a turn at least every `yieldEvery` ms: with an in-process
 * store (memory, better-sqlite3) every promise of the pipeline resolves at once, and a backlog of
 * thousands of jobs runs as one chain of microtasks in which no timer fires and no signal is
 * handled (measured: 3,000 jobs, 3.4 s, not one 5 ms interval tick). Progress and Ctrl-C need
 * those turns; a networked store gives them naturally.
 */
export class TransientFaultStore implements IOperationStore {
  faults = 0;
  private lastTurn = Date.now();

  constructor(
    private readonly inner: IOperationStore,
    private readonly rate: number,
    private readonly random: () => number,
    /** The driver error code thrown: SQLite busy, or a Postgres serialization failure. */
    private readonly code: 'SQLITE_BUSY' | '40001' = 'SQLITE_BUSY',
    private readonly yieldEvery = 20,
  ) {}

  getOperations(...args: Parameters<IOperationStore['getOperations']>) {
    return this.inner.getOperations(...args);
  }
  getHead(...args: Parameters<IOperationStore['getHead']>) {
    return this.inner.getHead(...args);
  }
  getSnapshot(...args: Parameters<IOperationStore['getSnapshot']>) {
    return this.inner.getSnapshot(...args);
  }
  findOperations(...args: Parameters<IOperationStore['findOperations']>) {
    return this.inner.findOperations(...args);
  }
  async append(request: Parameters<IOperationStore['append']>[0]) {
    if (Date.now() - this.lastTurn >= this.yieldEvery) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastTurn = Date.now();
    }
    if (this.rate > 0 && this.random() < this.rate) {
      this.faults += 1;
      const message =
        this.code === 'SQLITE_BUSY'
          ? 'database is locked (injected transient fault)'
          : 'could not serialize access due to concurrent update (injected transient fault)';
      throw Object.assign(new Error(message), { code: this.code });
    }
    return this.inner.append(request);
  }
  close() {
    return this.inner.close();
  }
}
