import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../src/cli/progress.js';
import { RunTally } from '../../src/cli/run-tally.js';

function stream(isTTY: boolean, columns = 200) {
  const writes: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        writes.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns },
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
      '[██████████░░░░░░░░░░] 5/10 done (50%) │ 5 jobs/s │ ETA 1 s │ running 3 │ failed 1 │ retries 2 │ 1.0 s',
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
      /^progress: 2\/2 done \(100%\), \d+ jobs\/s, ETA 0 s, running 0, failed 0, retries 0, /,
    );
  });

  it('keeps the rate and the ETA on an 80-column terminal, dropping the least useful fields', async () => {
    const { out, writes } = stream(true, 80);
    let t = 1_000;
    const tally = new RunTally(() => t);
    const progress = startProgress({
      stream: out,
      total: 250_000,
      tally,
      running: () => 16,
      ttyInterval: 1_000_000,
      now: () => t,
    });
    tally.completed = 123_456;
    tally.failed = 1_234;
    tally.retries = 5_678;
    t += 60_000;
    progress.stop();
    const text = writes.at(-2)!.replace('\r\x1b[2K', '');
    expect(text.length).toBeLessThan(80);
    expect(text).toContain('124690/250000 done (49%) │ 2078 jobs/s │ ETA 1 min 01 s');
  });
});
