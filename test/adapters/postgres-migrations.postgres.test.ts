/**
 * PostgreSQL-only: schema migrations are versioned and safe from several connections at once.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/adapters/postgres/migrations.js';
import { migrate } from '../../src/adapters/postgres/postgres-migrator.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  PG_URL,
  query,
  schemaName,
} from '../support/postgres.js';

describe.skipIf(!hasPostgres)('postgres migrations', () => {
  let schema: string;
  let pools: pg.Pool[];

  function pool(): pg.Pool {
    const created = new pg.Pool({
      connectionString: PG_URL,
      max: 1,
      options: `-c search_path=${schema}`,
    });
    pools.push(created);
    return created;
  }

  beforeEach(() => {
    schema = schemaName('migrate');
    pools = [];
  });
  afterEach(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  const latest = migrations.at(-1)?.version ?? 0;

  it('migrates one fresh schema from 3 connections at once, applying each version once', async () => {
    const versions = await Promise.all([pool(), pool(), pool()].map((p) => migrate(p, schema)));

    expect(versions).toEqual([latest, latest, latest]);
    const applied = await query<{ version: number }>(
      schema,
      'SELECT version FROM seriatim_migrations ORDER BY version',
    );
    expect(applied.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
    const tables = await query<{ table_name: string }>(
      schema,
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    expect(tables.map((row) => row.table_name)).toEqual([
      'job_lanes',
      'jobs',
      'lane_snapshots',
      'operations',
      'schedules',
      'seriatim_migrations',
    ]);
  });

  it('does nothing the second time', async () => {
    await migrate(pool(), schema);
    await migrate(pool(), schema);
    const [row] = await query<{ n: number }>(
      schema,
      'SELECT count(*)::int AS n FROM seriatim_migrations',
    );
    expect(row?.n).toBe(migrations.length);
  });

  it('applies only the migrations a schema lacks, in order', async () => {
    const extra = [
      ...migrations,
      { version: latest + 1, name: 'extra.sql', sql: 'CREATE TABLE extra (a int);' },
      { version: latest + 2, name: 'more.sql', sql: 'ALTER TABLE extra ADD COLUMN b int;' },
    ];
    await migrate(pool(), schema);
    expect(await migrate(pool(), schema, extra)).toBe(latest + 2);
    const columns = await query<{ column_name: string }>(
      schema,
      "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'extra' ORDER BY 1",
      [schema],
    );
    expect(columns.map((row) => row.column_name)).toEqual(['a', 'b']);
  });

  it('schema 5 keeps the stored operations and makes their ids unique per lane', async () => {
    await migrate(pool(), schema, migrations.slice(0, 4));
    const insert = (documentId: string, idx: number) =>
      query(
        schema,
        `INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action)
         VALUES ($1, 'a', 'main', $2, 'same-id', 0, 'h', 't', '{}')`,
        [documentId, idx],
      );
    await insert('doc-1', 0);
    await expect(insert('doc-2', 0)).rejects.toThrow(/operations_id_key/); // one id per schema

    expect(await migrate(pool(), schema)).toBe(latest);
    await insert('doc-2', 0); // another lane may hold the same id
    await expect(insert('doc-2', 1)).rejects.toThrow(/operations_lane_id_key/); // not twice in one
    const rows = await query<{ document_id: string }>(
      schema,
      'SELECT document_id FROM operations ORDER BY 1',
    );
    expect(rows.map((row) => row.document_id)).toEqual(['doc-1', 'doc-2']);
  });

  it('refuses a schema migrated by a newer seriatim', async () => {
    await migrate(pool(), schema);
    await query(schema, "INSERT INTO seriatim_migrations (version, name) VALUES ($1, 'future')", [
      latest + 1,
    ]);
    await expect(migrate(pool(), schema)).rejects.toThrow(/newer than this seriatim/);
  });

  it('rolls back a failing migration entirely', async () => {
    const broken = [
      ...migrations,
      { version: latest + 1, name: 'broken.sql', sql: 'CREATE TABLE ok (a int); SELECT nope;' },
    ];
    await expect(migrate(pool(), schema, broken)).rejects.toThrow();
    const [row] = await query<{ n: number }>(
      schema,
      'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    expect(row?.n ?? 0).toBe(0);
  });
});
