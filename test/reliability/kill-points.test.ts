import { describe, expect, it } from 'vitest';
import {
  drawKillPoints,
  formatKillPoint,
  KILL_SITES,
  parseKillPoint,
  producerKillSites,
} from '../support/kill-points.js';

describe('kill points', () => {
  it('round-trip through their text form, and a malformed one names the expected form', () => {
    const point = { port: 'store', method: 'append', when: 'after', call: 37 } as const;
    expect(parseKillPoint(formatKillPoint(point))).toEqual(point);
    expect(() => parseKillPoint('store.append:after:0')).toThrow(/killAt: expected/);
    expect(() => parseKillPoint('disk.write:after:3')).toThrow(/killAt: expected/);
  });

  it('a seed draws the same points, always including both durable-but-unreported windows', () => {
    const sites = [...KILL_SITES, ...producerKillSites(100)];
    const points = drawKillPoints(7, 6, 3_000, sites);
    expect(drawKillPoints(7, 6, 3_000, sites)).toEqual(points);
    expect(drawKillPoints(8, 6, 3_000, sites)).not.toEqual(points);
    const names = points.map((p) => `${p.port}.${p.method}:${p.when}`);
    expect(names).toContain('store.append:after');
    expect(names).toContain('queue.complete:after');
    // Within the budget of a process: 3,000 jobs over 6 kills and 2 spare shares.
    for (const p of points) expect(p.call).toBeLessThanOrEqual(375);
  });
});
