/** Finds a durable adapter's storage factory, or says why it is not there yet. */
import { existsSync } from 'node:fs';

export type StorageEntry = { ok: true } | { ok: false; reason: string };

/** `dialect` 'sqlite' → `createSqliteStorage` in src/adapters/sqlite/index.ts, and so on. */
export async function findStorageFactory(dialect: 'sqlite' | 'postgres'): Promise<StorageEntry> {
  const entry = new URL(`../../src/adapters/${dialect}/index.ts`, import.meta.url);
  const name = dialect === 'sqlite' ? 'createSqliteStorage' : 'createPostgresStorage';
  if (!existsSync(entry))
    return { ok: false, reason: `src/adapters/${dialect}/index.ts does not exist yet` };
  const module = (await import(entry.href)) as Record<string, unknown>;
  if (typeof module[name] !== 'function')
    return { ok: false, reason: `${name} is not exported yet` };
  return { ok: true };
}
