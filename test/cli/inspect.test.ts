import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWebSocketInspector,
  DEFAULT_INSPECTOR_URL,
} from '../../src/adapters/inspect/index.js';
import { runSmallWorkload } from './small-workload.js';

// `ws` comes with @statelyai/inspect (it is what its Node inspector connects with); its types are
// not installed, so the little used here is typed locally.
type WsServer = {
  on(event: 'connection', listener: (socket: WsSocket) => void): void;
  on(event: 'listening', listener: () => void): void;
  address(): AddressInfo;
  close(callback?: () => void): void;
  clients: Set<WsSocket>;
};
type WsSocket = { on(event: 'message', listener: (data: Buffer) => void): void; close(): void };
const { WebSocketServer } = createRequire(import.meta.url)('ws') as {
  WebSocketServer: new (options: { host: string; port: number }) => WsServer;
};

type Received = {
  type: string;
  sessionId: string;
  name?: string;
  event?: { type: string };
  snapshot?: { value?: unknown; context?: unknown };
};

let server: WsServer | undefined;
afterEach(async () => {
  for (const client of server?.clients ?? []) client.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function startReceiver() {
  const received: Received[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server = wss;
  await new Promise<void>((resolve) => wss.on('listening', resolve));
  wss.on('connection', (socket) =>
    socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Received)),
  );
  return { url: `ws://127.0.0.1:${wss.address().port}`, received };
}

async function settle(received: unknown[]) {
  // Wait until no message has arrived for 100 ms (the socket delivers asynchronously).
  let count = -1;
  while (count !== received.length) {
    count = received.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('createWebSocketInspector', () => {
  it('streams lane and supervisor actors, their events and snapshots to a local receiver', async () => {
    const { url, received } = await startReceiver();
    const inspector = createWebSocketInspector({ url });
    expect(await inspector.waitForConnection(5_000)).toBe(true);

    const { results } = await runSmallWorkload(inspector.inspect);
    await inspector.close();
    await settle(received);

    expect(results.length).toBeGreaterThan(40);
    const actors = received.filter((m) => m.type === '@xstate.actor');
    const supervisor = actors.find((m) => m.name === 'supervisor');
    const lanes = actors.filter((m) => m.name === 'lane');
    expect(supervisor).toBeDefined();
    expect(lanes.length).toBeGreaterThanOrEqual(4);
    const laneIds = new Set(lanes.map((m) => m.sessionId));

    const events = received.filter((m) => m.type === '@xstate.event');
    expect(
      events.some((m) => m.sessionId === supervisor!.sessionId && m.event?.type === 'start'),
    ).toBe(true);
    const laneEventTypes = new Set(
      events.filter((m) => laneIds.has(m.sessionId)).map((m) => m.event?.type),
    );
    expect(laneEventTypes).toContain('job.assign');
    expect(laneEventTypes).toContain('attempt.done');

    const snapshots = received.filter((m) => m.type === '@xstate.snapshot');
    expect(
      snapshots.some(
        (m) =>
          m.sessionId === supervisor!.sessionId &&
          JSON.stringify(m.snapshot?.value) === '{"running":"lanesContinue"}',
      ),
    ).toBe(true);
    const laneValues = new Set(
      snapshots
        .filter((m) => laneIds.has(m.sessionId))
        .map((m) => JSON.stringify(m.snapshot?.value)),
    );
    expect(laneValues.size).toBeGreaterThan(1);
    expect(snapshots.some((m) => laneIds.has(m.sessionId) && m.snapshot?.context)).toBe(true);
  });

  it('defaults to a local bridge, never a hosted one', () => {
    expect(DEFAULT_INSPECTOR_URL).toBe('ws://127.0.0.1:8080');
  });

  it('waits for a bridge that is not there yet without keeping the process alive', async () => {
    const { url } = await startReceiver();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const inspector = createWebSocketInspector({ url });
    expect(await inspector.waitForConnection(300)).toBe(false);
    expect(inspector.isConnected()).toBe(false);
    await inspector.close();
    // In a process of its own: nothing may keep it alive once closed.
    const script = `
      import { createWebSocketInspector } from './src/adapters/inspect/index.ts';
      const inspector = createWebSocketInspector({ url: '${url}' });
      await inspector.waitForConnection(200);
      await inspector.close();`;
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 20_000,
      },
    );
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('connects once the bridge comes up, sending the events buffered meanwhile', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.on('listening', resolve));
    const { port } = wss.address();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${port}` });
    inspector.inspect.next?.({
      type: '@xstate.event',
      rootId: 'x',
      actorRef: { sessionId: 'x.0' },
      sourceRef: undefined,
      event: { type: 'early' },
    } as never);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const received: Received[] = [];
    server = new WebSocketServer({ host: '127.0.0.1', port });
    server.on('connection', (socket) =>
      socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Received)),
    );
    expect(await inspector.waitForConnection(5_000)).toBe(true);
    await settle(received);
    await inspector.close();
    expect(received.map((m) => m.event?.type)).toEqual(['early']);
  });
});
