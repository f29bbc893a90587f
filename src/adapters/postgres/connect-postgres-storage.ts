/**
 * `connectPostgresStorage`: PostgreSQL storage that is connected and migrated before it is
 * returned, so a wrong URL or an unreachable server fails at once with a clear message.
 * @module
 */
import { StorageUnavailableError } from '../../errors.js';
import type { StorageContext } from '../ports.js';
import type { PostgresStorageOptions } from './postgres-options.js';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/**
 * Creates the storage and migrates its schema now (which connects).
 * @throws StorageUnavailableError naming the address (password hidden), the driver's error as
 * `cause`; the pool is closed.
 */
export async function connectPostgresStorage(
  connectionString: string,
  ctx: StorageContext,
  options?: PostgresStorageOptions,
): Promise<PostgresStorage> {
  const storage = createPostgresStorage(connectionString, ctx, options);
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close().catch(() => {});
    throw new StorageUnavailableError(
      'postgres',
      `Could not open PostgreSQL storage at ${redactUrl(connectionString)}: ${causeText(error)}; ` +
        'check that the server runs and that the connection string (host, port, user, password, database) is right',
      { cause: error },
    );
  }
  return storage;
}

/** The connection string without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the given connection string';
  }
}

/** A driver error as one line; Node's AggregateError (several addresses) has an empty message. */
function causeText(error: unknown): string {
  const { message, code, errors } = (error ?? {}) as {
    message?: unknown;
    code?: unknown;
    errors?: unknown;
  };
  if (typeof message === 'string' && message !== '') return message;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(causeText).join('; ');
  return typeof code === 'string' ? code : String(error);
}
