import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  listDialects,
  modulePath,
  readMigrations,
  renderMigrationsModule,
} from '../../scripts/compile-sql.js';

describe('compile-sql', () => {
  for (const dialect of listDialects()) {
    it(`keeps src/adapters/${dialect}/migrations.ts in step with sql/${dialect}/*.sql`, () => {
      const path = modulePath(dialect);
      expect(existsSync(path), `${path} is missing: run npx tsx scripts/compile-sql.ts`).toBe(true);
      expect(
        readFileSync(path, 'utf8'),
        `${path} differs from sql/${dialect}: run npx tsx scripts/compile-sql.ts ${dialect}`,
      ).toBe(renderMigrationsModule(dialect));
    });
  }

  describe('on a scratch tree', () => {
    function scratch(files: Record<string, string>): string {
      const root = mkdtempSync(join(tmpdir(), 'seriatim-sql-'));
      mkdirSync(join(root, 'sql', 'demo'), { recursive: true });
      for (const [name, text] of Object.entries(files)) {
        writeFileSync(join(root, 'sql', 'demo', name), text);
      }
      return root;
    }

    it('orders migrations by version and escapes template syntax', async () => {
      const placeholder = '$' + '{x}'; // must stay text in the compiled template literal
      const root = scratch({
        '000002-second.sql': `SELECT '${placeholder}', \`quoted\`, '\\n';\n`,
        '000001.sql': 'CREATE TABLE t (a INTEGER);\r\n',
      });
      try {
        expect(readMigrations('demo', root).map((m) => [m.version, m.name])).toEqual([
          [1, '000001.sql'],
          [2, '000002-second.sql'],
        ]);
        const text = renderMigrationsModule('demo', root);
        const file = join(root, 'migrations.mjs');
        // The module is plain JS apart from its one type alias: strip it and evaluate.
        writeFileSync(
          file,
          text.replace(/^export type .*$/m, '').replace(': readonly Migration[]', ''),
        );
        const { migrations } = (await import(file)) as {
          migrations: { version: number; sql: string }[];
        };
        expect(migrations.map((m) => m.sql.trim())).toEqual([
          'CREATE TABLE t (a INTEGER);',
          `SELECT '${placeholder}', \`quoted\`, '\\n';`,
        ]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('rejects a misnamed file and a gap in the versions', () => {
      const misnamed = scratch({ '1.sql': '' });
      const gap = scratch({ '000001.sql': '', '000003.sql': '' });
      try {
        expect(() => readMigrations('demo', misnamed)).toThrow(/NNNNNN\.sql/);
        expect(() => readMigrations('demo', gap)).toThrow(/expected version 2/);
      } finally {
        rmSync(misnamed, { recursive: true, force: true });
        rmSync(gap, { recursive: true, force: true });
      }
    });
  });
});
