/**
 * Query plans of the SQLite statements: every runtime statement reaches its rows through an
 * index, so its cost does not grow with the number of finished jobs or stored operations.
 */
import { readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/sqlite/sqlite-connection.js';
import type { StatementDef } from '../../src/adapters/sqlite/statements/statement.js';

const DIR = new URL('../../src/adapters/sqlite/statements/', import.meta.url);

async function statements(): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for (const file of readdirSync(DIR).sort()) {
    if (file === 'statement.ts') continue;
    const module = (await import(new URL(file, DIR).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      const sql = (value as StatementDef<object, unknown> | undefined)?.sql;
      if (typeof sql === 'string') found.push([`${file} ${name}`, sql]);
    }
  }
  return found;
}

function plan(db: Database.Database, sql: string): string[] {
  const params: Record<string, unknown> = {};
  for (const match of sql.matchAll(/@(\w+)/g)) {
    const name = match[1] as string;
    params[name] = name === 'ids' || name === 'refs' || name === 'claims' ? '[]' : 1;
  }
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map(
    (row) => row.detail,
  );
}

describe('SQLite statements', () => {
  it('never scan a table without an index', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const list = await statements();
    expect(list.length).toBeGreaterThan(25);
    for (const [name, sql] of list) {
      for (const step of plan(db, sql)) {
        expect(step, name).not.toMatch(/^SCAN (jobs|job_lanes|operations|lane_snapshots)$/);
      }
    }
  });

  it('look operations up by lane and id, claims through the lane-head index', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const byName = new Map(await statements());
    expect(plan(db, byName.get('find-operations.ts findOperations') as string).join(' | ')).toMatch(
      /SEARCH o USING INDEX sqlite_autoindex_operations\w* \(document_id=\? AND scope=\? AND branch=\? AND id=\?\)/,
    );
    expect(plan(db, byName.get('claim-jobs.ts claimJobs') as string).join(' | ')).toContain(
      'USING INDEX jobs_ready',
    );
  });
});
