/** The README's "Handler jobs" quick start is real code: extract it, point its import at the sources, run it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function handlerQuickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('## Handler jobs')[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README has no ```ts block under "## Handler jobs"');
  return code;
}

describe('README handler jobs quick start', () => {
  it('runs the jobs of a key in order and prints their outputs', () => {
    const code = handlerQuickStart().replace(
      "from 'seriatim'",
      `from '${join(root, 'src/index.ts')}'`,
    );
    const dir = mkdtempSync(join(root, 'node_modules/.handler-quick-start-'));
    try {
      const file = join(dir, 'handler-quick-start.mts');
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out.trim().split('\n')).toEqual([
        "{ delivered: 'ada@example.com', chars: 5, attempt: 1 }",
        "{ delivered: 'ada@example.com', chars: 8, attempt: 1 }",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
