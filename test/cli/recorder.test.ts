import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecorder, type RecordedEvent, summarize } from '../../src/adapters/inspect/index.js';
import { runSmallWorkload } from './small-workload.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('createRecorder', () => {
  it('writes the inspection events of a reactor run as JSON lines', async () => {
    dir = mkdtempSync(join(tmpdir(), 'seriatim-record-'));
    const file = join(dir, 'nested', 'events.jsonl');
    const recorder = createRecorder(file);

    await runSmallWorkload(recorder.inspect);
    await recorder.close();

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(recorder.count);
    const events = lines.map((line) => JSON.parse(line) as RecordedEvent);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot']),
    );
    for (const e of events) {
      expect(typeof e.t).toBe('number');
      expect(typeof e.sessionId).toBe('string');
      expect(typeof e.actor).toBe('string');
    }
    const supervisor = events.find((e) => e.type === '@xstate.actor' && e.actor === 'supervisor');
    const lanes = events.filter((e) => e.type === '@xstate.actor' && e.actor === 'lane');
    expect(supervisor).toBeDefined();
    expect(lanes.length).toBeGreaterThanOrEqual(4);

    const laneIds = new Set(lanes.map((e) => e.sessionId));
    const laneEvents = events.filter((e) => e.type === '@xstate.event' && laneIds.has(e.sessionId));
    const assigned = laneEvents.find((e) => e.event?.type === 'job.assign');
    // The payload is summarised: the claimed job is there, as plain data.
    expect(assigned?.event).toMatchObject({ claim: { job: { documentId: expect.any(String) } } });

    const laneSnapshots = events.filter(
      (e) => e.type === '@xstate.snapshot' && laneIds.has(e.sessionId),
    );
    expect(laneSnapshots.some((e) => e.event?.type === 'attempt.done')).toBe(true);
    expect(laneSnapshots.every((e) => e.snapshot?.value !== undefined)).toBe(true);
    expect(laneSnapshots.some((e) => (e.snapshot?.context as { laneKey?: string })?.laneKey)).toBe(
      true,
    );
    const supervisorValues = events
      .filter((e) => e.type === '@xstate.snapshot' && e.sessionId === supervisor?.sessionId)
      .map((e) => e.snapshot?.value);
    expect(supervisorValues).toContainEqual({ running: 'lanesContinue' });
    expect(supervisorValues.at(-1)).toBe('stopped');
  });

  it('ignores events after close', async () => {
    dir = mkdtempSync(join(tmpdir(), 'seriatim-record-'));
    const recorder = createRecorder(join(dir, 'events.jsonl'));
    await recorder.close();
    recorder.inspect.next?.({ type: '@xstate.event' } as never);
    expect(recorder.count).toBe(0);
  });
});

describe('summarize', () => {
  it('makes cycles, functions, errors, maps and class instances plain JSON', () => {
    class Claim {
      token = 't';
      run() {}
    }
    const value: Record<string, unknown> = {
      n: 1,
      big: 2n,
      nan: Number.NaN,
      f: function named() {},
      error: Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }),
      map: new Map([['k', 1]]),
      claim: new Claim(),
      signal: new AbortController().signal,
      list: Array.from({ length: 25 }, (_, i) => i),
      deep: { a: { b: { c: { d: { e: 1 } } } } },
    };
    value.self = value;
    const out = summarize(value) as Record<string, unknown>;
    expect(() => JSON.stringify(out)).not.toThrow();
    expect(out).toMatchObject({
      n: 1,
      big: '2n',
      nan: 'NaN',
      f: '[Function named]',
      error: { name: 'Error', message: 'busy', code: 'SQLITE_BUSY' },
      map: [['k', 1]],
      claim: { $type: 'Claim', token: 't' },
      signal: '[AbortSignal]',
      self: '[Circular]',
      deep: { a: { b: { c: '[Object]' } } },
    });
    expect((out.list as unknown[]).length).toBe(21);
    expect((out.list as unknown[]).at(-1)).toBe('… 5 more');
  });
});
