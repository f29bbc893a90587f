/**
 * The Powerhouse packages are optional peers of `seriatim/powerhouse` only: no source file of
 * seriatim imports one (the subpath reads a model only through the module passed in), and the
 * package declares them optional.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('seriatim/powerhouse dependencies', () => {
  it('imports no Powerhouse package from any source file', () => {
    // Comments (the `@example`s) may name the packages; code may not.
    const code = (file: string) =>
      readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
    const importing = sourceFiles(join(ROOT, 'src')).filter((file) =>
      /['"]@powerhousedao\//.test(code(file)),
    );
    expect(importing).toEqual([]);
  });

  it('declares @powerhousedao/shared an optional peer, and exports ./powerhouse', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.peerDependenciesMeta['@powerhousedao/shared']).toEqual({ optional: true });
    expect(pkg.peerDependencies['@powerhousedao/shared']).toBeDefined();
    expect(pkg.dependencies['@powerhousedao/shared']).toBeUndefined();
    expect(pkg.exports['./powerhouse']).toEqual({
      types: './dist/powerhouse/index.d.ts',
      default: './dist/powerhouse/index.js',
    });
  });
});
