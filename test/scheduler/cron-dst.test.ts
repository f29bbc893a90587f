/**
 * Cron ticks across daylight-saving changes in a named zone, on a simulated clock. The instants
 * are the ones croner defines (croner-rust's rules): a fixed-time job (single second, minute and
 * hour) whose time falls in the spring-forward gap runs at the first instant after the gap; a time
 * that occurs twice at fall-back runs once, at its first occurrence; interval jobs skip the gap
 * and run on both occurrences of a repeated time.
 */
import { describe, expect, it } from 'vitest';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import { Scheduler } from '../../src/index.js';
import { advance, SimulatedClock } from '../support/clock.js';
import { recordingQueue, tickInput, tickTimes } from './support.js';

async function ticks(cron: string, fromIso: string, hours: number): Promise<string[]> {
  const clock = new SimulatedClock();
  clock.set(Date.parse(fromIso));
  const { queue, enqueued } = recordingQueue(new MemoryQueue({ clock }));
  const scheduler = new Scheduler({ queue, clock, refreshInterval: Number.POSITIVE_INFINITY });
  await scheduler.scheduleRecurring({ cron, timezone: 'America/New_York', job: tickInput() });
  await scheduler.start();
  await advance(clock, hours * 3_600_000);
  await scheduler.stop();
  return tickTimes(enqueued);
}

describe('scheduler: cron across DST in America/New_York', () => {
  it("'30 2 * * *' on 2026-03-08 (02:00 EST → 03:00 EDT): 02:30 does not exist, the tick is 03:00 EDT", async () => {
    expect(await ticks('30 2 * * *', '2026-03-06T12:00:00Z', 4 * 24)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST (UTC-5)
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: first instant after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT (UTC-4)
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it("'30 2 * * *' on 2026-11-01 (02:00 EDT → 01:00 EST): 02:30 occurs once, in EST", async () => {
    expect(await ticks('30 2 * * *', '2026-10-30T12:00:00Z', 4 * 24)).toEqual([
      '2026-10-31T06:30:00.000Z', // 02:30 EDT
      '2026-11-01T07:30:00.000Z', // 02:30 EST
      '2026-11-02T07:30:00.000Z',
      '2026-11-03T07:30:00.000Z',
    ]);
  });

  it("'30 1 * * *' on 2026-11-01: 01:30 occurs twice and runs once, at its first occurrence (EDT)", async () => {
    expect(await ticks('30 1 * * *', '2026-10-31T12:00:00Z', 48)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not run
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it("'30 * * * *' runs on both 01:30s at fall-back and skips the missing hour at spring-forward", async () => {
    expect(await ticks('30 * * * *', '2026-11-01T04:00:00Z', 4)).toEqual([
      '2026-11-01T04:30:00.000Z', // 00:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T06:30:00.000Z', // 01:30 EST
      '2026-11-01T07:30:00.000Z', // 02:30 EST
    ]);
    expect(await ticks('30 * * * *', '2026-03-08T05:00:00Z', 3)).toEqual([
      '2026-03-08T05:30:00.000Z', // 00:30 EST
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:30:00.000Z', // 03:30 EDT (no 02:30)
    ]);
  });

  it('reads a pattern without a zone in UTC', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.parse('2026-03-07T12:00:00Z'));
    const { queue, enqueued } = recordingQueue(new MemoryQueue({ clock }));
    const scheduler = new Scheduler({ queue, clock });
    await scheduler.scheduleRecurring({ cron: '30 2 * * *', job: tickInput() });
    await scheduler.start();
    await advance(clock, 48 * 3_600_000);
    await scheduler.stop();
    expect(tickTimes(enqueued)).toEqual(['2026-03-08T02:30:00.000Z', '2026-03-09T02:30:00.000Z']);
  });
});
