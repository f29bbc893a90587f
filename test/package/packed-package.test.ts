/**
 * The package as a user installs it (README, Install): `npm pack` (whose `prepack` builds
 * `dist`), the tarball installed into a fresh `type: module` project from the local npm cache,
 * then the README's library quick start typechecked (`moduleResolution` nodenext and bundler,
 * `skipLibCheck: false`) and run, every subpath imported (and required from CommonJS), and the
 * optional peers named when missing.
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const SUBPATHS = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'seriatim' : `seriatim/${key.slice(2)}`));

let dir: string;
let tarballFiles: string[];

function run(command: string, args: string[], cwd = dir) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 150_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** The README's library quick start, as the README shows it. */
function quickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start (library)'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no ts block under "Quick start (library)"');
  return match[1];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'seriatim-consumer-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarballFiles = packed[0]!.files.map((file) => file.path);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run('npm', [
    'install',
    `./${packed[0]!.filename}`,
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
  ]);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships dist with its declarations, README and LICENSE; no source maps, no main command, no sources', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/commands/bin.js',
        'dist/dashboard/assets/index.html',
        'dist/dashboard/assets/app.js',
        'dist/dashboard/assets/app.css',
      ]),
    );
    expect(tarballFiles.filter((path) => path.endsWith('.map'))).toEqual([]);
    expect(
      tarballFiles.filter((path) => path.startsWith('dist/cli') || path.startsWith('src/')),
    ).toEqual([]);
  });

  it('installs light: only its dependencies come along, no driver and no inspector', () => {
    const installed = readdirSync(join(dir, 'node_modules')).filter(
      (name) => !name.startsWith('.'),
    );
    expect(installed.sort()).toEqual(['seriatim', ...Object.keys(manifest.dependencies)].sort());
  });

  it('imports every subpath without the optional peers, and require() loads them from CommonJS', () => {
    const imports = SUBPATHS.map((path, i) => `import * as m${i} from '${path}';`).join('\n');
    const counts = SUBPATHS.map((_, i) => `Object.keys(m${i}).length`).join(', ');
    writeFileSync(
      join(dir, 'subpaths.mjs'),
      `${imports}\nconsole.log(JSON.stringify([${counts}]));\n`,
    );
    const counted = JSON.parse(run('node', ['subpaths.mjs'])) as number[];
    expect(counted.every((count) => count > 0)).toBe(true);

    const requires = SUBPATHS.map((path) => `typeof require('${path}')`).join(', ');
    writeFileSync(join(dir, 'subpaths.cjs'), `console.log(JSON.stringify([${requires}]));\n`);
    expect(JSON.parse(run('node', ['subpaths.cjs']))).toEqual(SUBPATHS.map(() => 'object'));
  });

  it('names the missing optional peer on the first use of a feature that needs it', () => {
    writeFileSync(
      join(dir, 'missing.mjs'),
      `import { createReactor } from 'seriatim';
import { counterModel } from 'seriatim/examples';
import { createWebSocketInspector } from 'seriatim/inspect';
const out = [];
for (const storage of [{ sqlite: 'x.db' }, { postgres: 'postgres://127.0.0.1:1/x' }]) {
  const error = await createReactor({ models: [counterModel], storage }).catch((e) => e);
  out.push([error.name, error.packageName, error.message]);
}
try { createWebSocketInspector(); } catch (error) { out.push([error.name, error.packageName, error.message]); }
const telemetry = await createReactor({ models: [counterModel], telemetry: true }).catch((e) => e);
out.push([telemetry.name, telemetry.packageName, telemetry.message]);
console.log(JSON.stringify(out));
`,
    );
    const errors = JSON.parse(run('node', ['missing.mjs'])) as string[][];
    expect(errors.map(([name, packageName]) => [name, packageName])).toEqual([
      ['MissingDependencyError', 'better-sqlite3'],
      ['MissingDependencyError', 'pg'],
      ['MissingDependencyError', '@statelyai/inspect'],
      ['MissingDependencyError', '@opentelemetry/api'],
    ]);
    expect(errors[0]![2]).toContain('install it with `npm install better-sqlite3`');
  });

  it('runs the operator commands through its bin, naming a missing driver', () => {
    const bin = join(dir, 'node_modules/.bin/seriatim');
    const help = spawnSync(bin, ['--help'], { cwd: dir, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: seriatim <command> --storage sqlite:PATH|postgres:URL');
    const migrate = spawnSync(bin, ['migrate', '--storage', 'sqlite:q.db'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(migrate.status).toBe(1);
    expect(migrate.stderr).toContain('install it with `npm install better-sqlite3`');
    expect(migrate.stderr).not.toMatch(/\n\s+at /);
  });

  it('serves the dashboard page and its assets from the installed package', () => {
    writeFileSync(
      join(dir, 'dashboard.mjs'),
      `import { MemoryOperationStore, MemoryQueue } from 'seriatim';
import { serveDashboard } from 'seriatim/dashboard';
const dashboard = await serveDashboard({ queue: new MemoryQueue(), store: new MemoryOperationStore() });
const out = [];
for (const path of ['/', '/assets/app.js', '/assets/app.css', '/api/lanes']) {
  out.push((await fetch(dashboard.url + path)).status);
}
await dashboard.close();
console.log(JSON.stringify(out));
`,
    );
    expect(JSON.parse(run('node', ['dashboard.mjs']))).toEqual([200, 200, 200, 200]);
  });

  it('typechecks (nodenext and bundler, skipLibCheck false) and runs the README quick start', () => {
    writeFileSync(join(dir, 'quick-start.ts'), quickStart());
    // The adapters' declarations typecheck once their driver and its types are installed: link
    // this checkout's copies in (installing better-sqlite3 would compile it).
    mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
    for (const name of [
      '@types/node',
      '@types/pg',
      '@types/better-sqlite3',
      'pg',
      'better-sqlite3',
    ]) {
      symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
    }
    writeFileSync(
      join(dir, 'adapters.ts'),
      `import { createSqliteStorage } from 'seriatim/sqlite';
import { connectPostgresStorage, createPostgresStorage } from 'seriatim/postgres';
import { createRecorder, createWebSocketInspector } from 'seriatim/inspect';
export { connectPostgresStorage, createPostgresStorage, createRecorder, createSqliteStorage, createWebSocketInspector };
`,
    );
    const base = { target: 'ES2022', strict: true, skipLibCheck: false, types: ['node'] };
    const configs = {
      'tsconfig.nodenext.json': { module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true },
      'tsconfig.bundler.json': { module: 'ESNext', moduleResolution: 'Bundler', noEmit: true },
      'tsconfig.emit.json': { module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' },
    };
    for (const [file, options] of Object.entries(configs)) {
      writeFileSync(
        join(dir, file),
        JSON.stringify({
          compilerOptions: { ...base, ...options },
          files: ['quick-start.ts', 'adapters.ts'],
        }),
      );
      run('node', [TSC, '-p', file]);
    }
    const output = run('node', ['out/quick-start.js']);
    expect(output).toMatch(/: 1 operation\(s\)\n/);
    expect(output).toMatch(/: 2 operation\(s\)\ntrue \{[^\n]*count: 5/);
  });
});
