/** The README's Powerhouse quick start is real code: extract it, point its imports at the sources, run it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function powerhouseQuickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('\n## Powerhouse\n')[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README has no ```ts block under "## Powerhouse"');
  return code;
}

describe('README Powerhouse quick start', () => {
  it('runs on the real drive model and prints what the README says', () => {
    const code = powerhouseQuickStart()
      .replace("from 'seriatim/powerhouse'", `from '${join(root, 'src/powerhouse/index.ts')}'`)
      .replace("from 'seriatim'", `from '${join(root, 'src/index.ts')}'`);
    const dir = mkdtempSync(join(root, 'node_modules/.powerhouse-quick-start-'));
    try {
      const file = join(dir, 'quick-start.mts');
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out).toContain("true [ 'applied', 'applied', 'Node with id f1 already exists!' ]");
      expect(out).toMatch(/name: 'Team'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
