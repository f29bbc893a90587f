/**
 * No leaks: 200k no-op jobs over 20k lanes leave no resident lanes after the idle period and
 * no heap growth beyond a small bound. Runs in a child process with --expose-gc.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('resource bounds', () => {
  it('200k jobs over 20k lanes: no resident lanes after the idle period, heap growth under 16 MB', () => {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'test/support/leak-workload.ts', '200000', '20000'],
      { encoding: 'utf8', timeout: 300_000 },
    );
    const report = JSON.parse(out.trim().split('\n').at(-1)!);
    console.log('leak workload:', report);
    expect(report.completed).toBe(220_000);
    expect(report.residentLanes).toBe(0);
    expect(report.heapGrowthMB).toBeLessThan(16);
  });
});
