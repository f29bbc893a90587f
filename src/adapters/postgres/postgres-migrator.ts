/**
 * Applies the schema migrations (`migrations.ts`, compiled from `sql/postgres/`) to a schema,
 * once, safely from any number of processes at the same time.
 * @module
 */
import type { Pool } from 'pg';
import { type Migration, migrations } from './migrations.js';
import { inTransaction } from './postgres-transaction.js';

/** Class of the migration lock in the two-int advisory key space (the other key: the schema). */
export const MIGRATION_LOCK_CLASS = 0x5e71a701;
/** Class of the reaper's lock in the two-int advisory key space. */
export const REAPER_LOCK_CLASS = 0x5e71a702;

/**
 * Brings `schema` to the latest version: under a transaction-scoped advisory lock on the schema
 * (concurrent callers wait, then find nothing left to do), creates the schema and the
 * `seriatim_migrations` table if missing and applies, in order, each migration not applied yet,
 * all in one transaction. Refuses a schema migrated by a newer seriatim.
 * @returns the schema's version.
 */
export async function migrate(
  pool: Pool,
  schema: string,
  all: readonly Migration[] = migrations,
): Promise<number> {
  const latest = all.at(-1)?.version ?? 0;
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [
      MIGRATION_LOCK_CLASS,
      schema,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET LOCAL search_path TO "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS seriatim_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::int AS version FROM seriatim_migrations',
    );
    const current = rows[0]?.version ?? 0;
    if (current > latest) {
      throw new Error(
        `PostgreSQL schema "${schema}" is at version ${current}, newer than this seriatim knows (${latest}): upgrade seriatim`,
      );
    }
    for (const migration of all) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO seriatim_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    return latest;
  });
}
