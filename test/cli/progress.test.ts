import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../src/cli/progress.js';
import { RunTally } from '../../src/cli/run-tally.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        writes.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns: 200 },
  );
  return { out, writes };
}

describe('progress', () => {
  it('redraws one line in place on a terminal and ends it on stop', async () => {
    const { out, writes } = stream(true);
    let t = 1_000;
    const tally = new RunTally(() => t);
    const progress = startProgress({
      stream: out,
      total: 10,
      tally,
      running: () => 3,
      ttyInterval: 5,
      now: () => t,
    });
    tally.completed = 4;
    tally.failed = 1;
    tally.retries = 2;
    t += 1_000;
    await new Promise((resolve) => setTimeout(resolve, 30));
    progress.stop();
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.slice(0, -1).every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes.at(-1)).toBe('\n');
    expect(writes.at(-2)).toContain(
      '[██████████░░░░░░░░░░] 5/10 done (50%) │ running 3 │ retries 2 │ failed 1 │ 5 jobs/s │ 1.0 s',
    );
  });

  it('prints plain lines when not on a terminal', async () => {
    const { out, writes } = stream(false);
    const tally = new RunTally();
    const progress = startProgress({
      stream: out,
      total: 2,
      tally,
      running: () => 0,
      plainInterval: 5,
    });
    tally.finishedBefore = 2;
    await new Promise((resolve) => setTimeout(resolve, 20));
    progress.stop();
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.every((w) => w.startsWith('progress: ') && w.endsWith('\n'))).toBe(true);
    expect(writes.at(-1)).toMatch(
      /^progress: 2\/2 done \(100%\), running 0, retries 0, failed 0, /,
    );
  });
});
