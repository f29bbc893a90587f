import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, sqliteAvailable, verifiedOperations } from './run-cli.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const SMALL = ['--documents', '6', '--jobs', '300', '--concurrency', '4', '--fault-rate', '0.05'];

describe('main command (child process)', () => {
  it('prints the usage with --help and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm start -- [options]');
    expect(stdout).toContain('--fault-rate');
  });

  it('rejects a bad flag value naming the flag, with exit code 2', async () => {
    const { code, stderr } = await runCli(['--concurrency', 'zero']);
    expect(code).toBe(2);
    expect(stderr).toContain('--concurrency expects an integer');
  });

  it('fails with a clear message, no stack trace, when PostgreSQL cannot be reached', async () => {
    const { code, stderr } = await runCli(['--storage', 'postgres:postgres://u:pw@127.0.0.1:1/db']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'seriatim: Could not open PostgreSQL storage at postgres://u:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain('pw@');
  });

  it('--dashboard serves the run on 127.0.0.1 and closes with it', async () => {
    const { code, stdout, stderr } = await runCli([
      '--storage',
      'memory',
      ...SMALL,
      '--dashboard',
      '--dashboard-port',
      '0',
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(read-only\)/);
    expect(verifiedOperations(stdout)).toBeGreaterThan(0);
  });

  it('runs a small workload on memory: summary, expected outcomes, verification passed', async () => {
    const { code, stdout, stderr } = await runCli(['--storage', 'memory', ...SMALL]);
    expect(stderr).not.toMatch(/seriatim: .*Error/);
    expect(code).toBe(0);
    expect(stdout).toContain('on memory');
    expect(stdout).toContain('seriatim — summary');
    expect(stdout).toMatch(/total\s+306\s+306\s+306/);
    expect(stdout).toMatch(/retries\s+\d+ \(IO_ERROR \d+\); injected store faults \d+/);
    expect(stdout).toMatch(
      / latency\s+p50 \d+ ms\s+p99 \d+ ms\s+max \d+ ms\s+\(enqueue → completion\)/,
    );
    expect(stdout).toMatch(
      / start latency\s+p50 \d+ ms\s+p99 \d+ ms\s+max \d+ ms\s+\(enqueue → first attempt\)/,
    );
    expect(stdout).toContain('both include queueing: this CLI keeps up to 400 jobs waiting');
    // Every outcome matches what the workload was built for (no retry budget ran out at 5%).
    const rows = [
      ...stdout.matchAll(/^\s+(COMPLETED|HASH_MISMATCH|LIBRARY_ERROR)\s+(\d+)\s+(\d+)\s+(\d+)$/gm),
    ];
    expect(rows.map((row) => row[1])).toEqual(['COMPLETED', 'HASH_MISMATCH', 'LIBRARY_ERROR']);
    for (const row of rows) expect(row[2]).toBe(row[4]);
    expect(stderr).toContain('progress: 306/306 done (100%)');
    expect(verifiedOperations(stdout)).toBeGreaterThan(300);
  });

  it.skipIf(!sqliteAvailable)(
    'runs on a temporary SQLite file, then finds everything done on a second run',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seriatim-cli-'));
      const storage = `sqlite:${join(dir, 'nested', 'main.db')}`;
      const first = await runCli(['--storage', storage, ...SMALL]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`on ${storage}`);
      const operations = verifiedOperations(first.stdout);
      expect(operations).toBeGreaterThan(300);

      const second = await runCli(['--storage', storage, ...SMALL]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('resuming: all 306 jobs finished in earlier runs');
      expect(second.stdout).toMatch(/total\s+0\s+306\s+306/);
      expect(verifiedOperations(second.stdout)).toBe(operations);
    },
  );
});
