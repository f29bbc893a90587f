/**
 * The inspector bridge and recordings (README, Inspection): the bridge listens on 127.0.0.1,
 * relays the runtime's events to viewers and gives a late viewer every actor registration and the
 * latest messages; a recording is capped, drops rather than buffers when the disk lags, and
 * replays into the bridge in the inspector's wire format.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import {
  createRecorder,
  createWebSocketInspector,
  type InspectorBridge,
  replayRecording,
  startInspectorBridge,
} from '../../src/adapters/inspect/index.js';
import { runSmallWorkload } from '../cli/small-workload.js';

type Message = { type: string; sessionId: string; name?: string; event?: { type: string } };
type Client = {
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  send(text: string): void;
  close(): void;
};
const require = createRequire(import.meta.url);
const { WebSocket } = createRequire(require.resolve('@statelyai/inspect'))('ws') as {
  WebSocket: new (url: string) => Client;
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function bridgeFor(options: Parameters<typeof startInspectorBridge>[0] = {}) {
  const bridge = await startInspectorBridge({ port: 0, ...options });
  cleanups.push(() => bridge.close());
  return bridge;
}

/** A viewer connected to the bridge; `until(n)` resolves once it has received n messages. */
async function viewer(bridge: InspectorBridge) {
  const received: Message[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const socket = new WebSocket(bridge.url);
  cleanups.push(() => socket.close());
  socket.on('message', (data) => {
    received.push(JSON.parse(data.toString()) as Message);
    for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
  });
  await new Promise<void>((resolve) => socket.on('open', resolve));
  return {
    socket,
    received,
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (received.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    untilSome: (match: (m: Message) => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => (received.some(match) ? resolve() : setImmediate(check));
        check();
      }),
  };
}

describe('startInspectorBridge', () => {
  it('listens on 127.0.0.1 by default and serves a page that says which inspector app it loads', async () => {
    const bridge = await bridgeFor();
    expect(bridge.host).toBe('127.0.0.1');
    expect(bridge.url).toBe(`ws://127.0.0.1:${bridge.port}`);
    const html = await (await fetch(bridge.pageUrl)).text();
    expect(html).toContain('"https://stately.ai/inspect"');
    expect(html).toContain("new WebSocket('ws://' + location.host)");
  });

  it('relays the runtime’s inspection events from createWebSocketInspector to a viewer', async () => {
    const bridge = await bridgeFor();
    const live = await viewer(bridge);
    const inspector = createWebSocketInspector({ url: bridge.url });
    expect(await inspector.waitForConnection(5_000)).toBe(true);
    await runSmallWorkload(inspector.inspect);
    await inspector.close();
    await live.untilSome((m) => m.type === '@xstate.actor' && m.name === 'supervisor');
    await live.untilSome((m) => m.type === '@xstate.event' && m.event?.type === 'attempt.done');
  });

  it('gives a late viewer every actor registration and the latest maxHistory other messages', async () => {
    const bridge = await bridgeFor({ maxHistory: 10 });
    const live = await viewer(bridge);
    const producer = new WebSocket(bridge.url);
    cleanups.push(() => producer.close());
    await new Promise<void>((resolve) => producer.on('open', resolve));
    const sent: Message[] = [];
    for (let actor = 0; actor < 5; actor++) {
      sent.push({ type: '@xstate.actor', sessionId: `x:${actor}`, name: `actor ${actor}` });
      for (let event = 0; event < 20; event++) {
        sent.push({ type: '@xstate.event', sessionId: `x:${actor}`, event: { type: `e${event}` } });
      }
    }
    for (const message of sent) producer.send(JSON.stringify(message));
    await live.until(sent.length);
    expect(bridge.historySize()).toBe(15);

    const late = await viewer(bridge);
    await late.until(15);
    expect(late.received.filter((m) => m.type === '@xstate.actor').map((m) => m.sessionId)).toEqual(
      ['x:0', 'x:1', 'x:2', 'x:3', 'x:4'],
    );
    expect(late.received.slice(5)).toEqual(sent.slice(-10));
  });
});

describe('recordings', () => {
  function tempFile() {
    const dir = mkdtempSync(join(tmpdir(), 'seriatim-record-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'inspect.jsonl');
  }
  const counter = createMachine({
    id: 'counter',
    initial: 'a',
    states: { a: { on: { go: 'b' } }, b: { on: { go: 'a' } } },
  });

  it('stops at maxBytes, ending the file with a @seriatim.truncated line', async () => {
    const file = tempFile();
    const recorder = createRecorder(file, { maxBytes: 4_000 });
    const actor = createActor(counter, { inspect: recorder.inspect }).start();
    for (let i = 0; i < 200; i++) {
      actor.send({ type: 'go' });
      await new Promise((resolve) => setImmediate(resolve)); // let the file keep up
    }
    await recorder.close();
    expect(recorder.truncated).toBe(true);
    expect(statSync(file).size).toBeLessThanOrEqual(4_000);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      type: '@seriatim.truncated',
      maxBytes: 4_000,
    });
    expect(lines.length - 1).toBe(recorder.count);
  });

  it('drops events while more than maxBuffered bytes wait for the disk, and marks how many', async () => {
    const file = tempFile();
    const recorder = createRecorder(file, { maxBuffered: 2_000 });
    const actor = createActor(counter, { inspect: recorder.inspect }).start();
    // All at once: no I/O can happen in between, so the write buffer fills up.
    for (let i = 0; i < 2_000; i++) actor.send({ type: 'go' });
    await recorder.close();
    expect(recorder.dropped).toBeGreaterThan(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const markers = lines.filter((line) => line.type === '@seriatim.dropped');
    expect(markers.reduce((sum, marker) => sum + marker.count, 0)).toBe(recorder.dropped);
    expect(lines.length - markers.length).toBe(recorder.count);
  });

  it('replays into the bridge in the inspector’s wire format', async () => {
    const file = tempFile();
    const recorder = createRecorder(file);
    const actor = createActor(counter, { inspect: recorder.inspect }).start();
    actor.send({ type: 'go' });
    await recorder.close();
    const bridge = await bridgeFor();
    const published = await replayRecording(file, bridge);
    expect(published).toBe(recorder.count);

    const late = await viewer(bridge);
    await late.until(published);
    const registration = late.received.find((m) => m.type === '@xstate.actor');
    expect(registration).toMatchObject({
      name: 'counter',
      sessionId: actor.sessionId,
      definition: JSON.stringify({ id: 'counter' }),
      _version: 'seriatim-recording',
    });
    expect(late.received).toContainEqual(
      expect.objectContaining({
        type: '@xstate.event',
        sessionId: actor.sessionId,
        event: { type: 'go' },
      }),
    );
  });
});
