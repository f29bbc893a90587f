/**
 * PostgreSQL for tests: the server comes from `SERIATIM_PG_URL` (scripts/with-postgres.sh starts a
 * throwaway one), each test gets its own schema, dropped afterwards.
 *
 * Without `SERIATIM_PG_URL` the PostgreSQL tests are skipped with a loud message, except under
 * `CI=true`, where they fail: CI must never pass without having run them.
 * @module
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import type { StorageContext } from '../../src/adapters/ports.js';
import {
  createPostgresStorage,
  type PostgresStorage,
  type PostgresStorageOptions,
} from '../../src/adapters/postgres/index.js';
import { systemClock } from '../../src/clock.js';
import { adapterSelected } from '../conformance/fixtures.js';

/** The server's URL, or undefined when the PostgreSQL tests are skipped. */
export const PG_URL: string | undefined = resolveUrl();

function resolveUrl(): string | undefined {
  const url = process.env.SERIATIM_PG_URL?.trim();
  if (url) return url;
  if (!adapterSelected('postgres')) return undefined;
  if (process.env.CI === 'true') {
    throw new Error(
      'SERIATIM_PG_URL is not set but CI=true: the PostgreSQL tests must run in CI. ' +
        'Run them through scripts/with-postgres.sh (as .ci/run does).',
    );
  }
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!!! SKIPPING the PostgreSQL tests: SERIATIM_PG_URL is not set.\n` +
      '!!! Run `bash scripts/with-postgres.sh npm test` to include them.\n' +
      `${line}\n`,
  );
  return undefined;
}

/** Whether the PostgreSQL tests run (for `describe.skipIf(!hasPostgres)`). */
export const hasPostgres = PG_URL !== undefined;

/** A fresh schema name, unique across processes and test files. */
export function schemaName(prefix = 't'): string {
  return `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
}

let admin: pg.Pool | undefined;

/** A small pool on the test database for assertions and clean-up (search_path: `schema`). */
export function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: PG_URL, max: 3 });
  return admin;
}

/** Runs one SQL statement in `schema` on the admin pool. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  schema: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = await adminPool().connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.query('RESET search_path').catch(() => {});
    client.release();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** Ends the admin pool (call in `afterAll`). */
export async function closeAdmin(): Promise<void> {
  const pool = admin;
  admin = undefined;
  await pool?.end();
}

/** Opens a PostgreSQL storage on `schema` of the test database (the caller closes it). */
export function openStorage(
  schema: string,
  ctx: Partial<StorageContext> = {},
  options: PostgresStorageOptions = {},
): PostgresStorage {
  return createPostgresStorage(
    PG_URL as string,
    {
      bus: ctx.bus ?? new MemoryEventBus(),
      clock: ctx.clock ?? systemClock,
      runnerId: ctx.runnerId ?? 'runner-test',
    },
    { schema, ...options },
  );
}
