/**
 * Opening the storage an operator command looks at, without starting anything on it (no
 * heartbeats, no reaper, no LISTEN): the command reads and, for retry and skip, writes one row.
 * @module
 */
import { existsSync } from 'node:fs';
import { MemoryEventBus } from '../adapters/memory/memory-event-bus.js';
import type { Storage, StorageContext } from '../adapters/ports.js';
import { systemClock } from '../clock.js';
import { StorageUnavailableError } from '../errors.js';
import type { OperatorStorage } from './operator-args.js';

/** An opened storage and how to name it in output (password hidden). */
export type OperatorStorageHandle = { storage: Storage; label: string };

/**
 * Opens (and migrates) the storage. `create`: a missing SQLite file is created (migrate,
 * dashboard); otherwise it is an error naming the path.
 * @throws StorageUnavailableError for a missing file or an unreachable server
 */
export async function openOperatorStorage(
  choice: OperatorStorage,
  create: boolean,
): Promise<OperatorStorageHandle> {
  const ctx: StorageContext = {
    bus: new MemoryEventBus(),
    clock: systemClock,
    runnerId: `seriatim-cli-${process.pid}`,
  };
  if (choice.kind === 'sqlite') {
    if (!create && choice.path !== ':memory:' && !existsSync(choice.path)) {
      throw new StorageUnavailableError(
        'sqlite',
        `No SQLite database at ${choice.path}: check the path given to --storage (run \`seriatim migrate\` to create one)`,
      );
    }
    const { createSqliteStorage } = await import('../adapters/sqlite/index.js');
    return { storage: createSqliteStorage(choice.path, ctx), label: `sqlite:${choice.path}` };
  }
  const { connectPostgresStorage } = await import('../adapters/postgres/index.js');
  const { redactUrl } = await import('../adapters/postgres/connect-postgres-storage.js');
  const storage = await connectPostgresStorage(
    choice.url,
    ctx,
    choice.schema === undefined ? {} : { schema: choice.schema },
  );
  return { storage, label: `postgres:${redactUrl(choice.url)}` };
}
