/** The README's quick start is real code: extract it, point its imports at the sources, run it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function quickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('## Quick start (library)')[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README has no ```ts block under "## Quick start (library)"');
  return code;
}

describe('README quick start', () => {
  it('runs and prints the completed job and the state', () => {
    const code = quickStart()
      .replace("from 'seriatim/examples'", `from '${join(root, 'src/examples/index.ts')}'`)
      .replace("from 'seriatim'", `from '${join(root, 'src/index.ts')}'`);
    const dir = mkdtempSync(join(root, 'node_modules/.quick-start-'));
    try {
      const file = join(dir, 'quick-start.mts');
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out).toMatch(/: 2 operation\(s\)/);
      expect(out).toMatch(/true \{ count: 5/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
