/**
 * `npm start -- --workload handlers`: handler jobs with simulated I/O and transient failures over
 * keyed lanes, verified (every job completed once, every key in enqueue order); resumed on SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/cli/args.js';
import { buildHandlerWorkload, runHandlerWorkload } from '../../src/cli/handler-run.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(args: string[]) {
  const parsed = parseCliArgs(args);
  if (parsed.help) throw new Error('unexpected help');
  const stdout = collector();
  const code = await runHandlerWorkload(parsed.options, {
    stdout: stdout.stream,
    stderr: collector().stream,
  });
  return { code, out: stdout.text() };
}

describe('main command: --workload handlers', () => {
  it('runs keyed handler jobs with transient failures and verifies order and exactly-once success', async () => {
    const { code, out } = await run([
      '--workload',
      'handlers',
      '--storage',
      'memory',
      '--documents',
      '8',
      '--jobs',
      '400',
      '--fault-rate',
      '0.1',
    ]);
    expect(out).toContain('handler jobs: 400/400 completed, 0 failed');
    expect(out).toMatch(/\d+ retries of \d+ runs, [1-9]\d* waits/);
    expect(out).toContain('verified: every job completed once');
    expect(code).toBe(0);
  });

  it('resumes on the same SQLite file without running a finished job again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'seriatim-handler-cli-'));
    const args = ['--workload', 'handlers', '--storage', `sqlite:${join(dir, 'h.db')}`];
    const first = await run([...args, '--jobs', '200', '--documents', '5']);
    expect(first.code).toBe(0);
    const second = await run([...args, '--jobs', '200', '--documents', '5']);
    expect(second.out).toContain('resuming: 200 jobs were enqueued by an earlier run');
    expect(second.out).toContain('handler jobs: 200/200 completed, 0 failed, 0 retries of 0 runs');
    expect(second.code).toBe(0);
  });

  it('builds the same seeded workload every time, keys from --documents', () => {
    const a = buildHandlerWorkload(3, 4, 50);
    expect(buildHandlerWorkload(3, 4, 50)).toEqual(a);
    expect(new Set(a.flatMap((job) => job.keys)).size).toBeLessThanOrEqual(4);
    expect(a.some((job) => job.keys.length === 0)).toBe(true);
    expect(a.some((job) => job.keys.length === 2)).toBe(true);
  });

  it('rejects an unknown workload naming the flag', () => {
    expect(() => parseCliArgs(['--workload', 'emails'])).toThrow(
      new UsageError('--workload expects documents or handlers, got "emails"'),
    );
  });
});
