/**
 * `startInspectorBridge`: a local relay between the runtime's `createWebSocketInspector` and a
 * browser showing the Stately inspector. It listens on 127.0.0.1 unless told otherwise, opens no
 * browser, and keeps enough history for a viewer that connects late: every actor registration
 * (up to `maxActors`) plus the latest `maxHistory` other messages.
 *
 * The page it serves frames Stately's inspector web app (`inspectorUrl`, hosted at stately.ai by
 * default) and hands it the events in the browser with `postMessage`: without network access the
 * page shows nothing, and the events reach that hosted page. The relay itself stays local.
 * @module
 */

import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadOptionalPeer } from '../../optional-peer.js';

export type InspectorBridgeOptions = {
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Interface to listen on; `'0.0.0.0'` exposes the events to your network. @default '127.0.0.1' */
  host?: string;
  /** The inspector app the page frames. @default 'https://stately.ai/inspect' (hosted) */
  inspectorUrl?: string;
  /** Messages other than actor registrations kept for late viewers (oldest dropped). @default 10000 */
  maxHistory?: number;
  /** Actor registrations kept for late viewers (oldest dropped). @default 10000 */
  maxActors?: number;
};

/** A running bridge. */
export type InspectorBridge = {
  /** What `createWebSocketInspector({ url })` and `--inspect` take: `ws://host:port`. */
  url: string;
  /** The page to open in a browser: `http://host:port`. */
  pageUrl: string;
  host: string;
  port: number;
  /** Messages a viewer connecting now would receive first. */
  historySize(): number;
  /** Sends one inspector message (wire format) to every viewer, keeping it in the history. */
  publish(message: object): void;
  close(): Promise<void>;
};

type WireMessage = { type?: unknown; sessionId?: unknown };
type Socket = {
  readyState: number;
  send(data: string): void;
  on(event: 'message', listener: (data: { toString(): string }) => void): void;
};
type WsModule = {
  WebSocketServer: new (options: {
    server: Server;
  }) => {
    clients: Set<Socket>;
    on(event: 'connection', listener: (socket: Socket) => void): void;
    close(callback?: () => void): void;
  };
};

const OPEN = 1;
const FEATURE = 'The inspector bridge (startInspectorBridge, npm run inspector)';

/**
 * Starts the bridge; resolves once it listens.
 * @example
 * const bridge = await startInspectorBridge(); // ws://127.0.0.1:8080, page http://127.0.0.1:8080
 * const inspector = createWebSocketInspector({ url: bridge.url });
 * const reactor = await createReactor({ models, inspect: inspector.inspect });
 */
export async function startInspectorBridge(
  options: InspectorBridgeOptions = {},
): Promise<InspectorBridge> {
  const host = options.host ?? '127.0.0.1';
  const inspectorUrl = options.inspectorUrl ?? 'https://stately.ai/inspect';
  const maxHistory = options.maxHistory ?? 10_000;
  const maxActors = options.maxActors ?? 10_000;
  const { WebSocketServer } = loadWs();

  // Registrations by session (Map order: oldest first), then the recent messages in a ring.
  const actors = new Map<string, string>();
  const recent: string[] = [];
  let head = 0;
  const remember = (text: string) => {
    let message: WireMessage;
    try {
      message = JSON.parse(text) as WireMessage;
    } catch {
      return;
    }
    if (message.type === '@xstate.actor' && typeof message.sessionId === 'string') {
      actors.delete(message.sessionId);
      actors.set(message.sessionId, text);
      if (actors.size > maxActors) actors.delete(actors.keys().next().value as string);
      return;
    }
    recent.push(text);
    if (recent.length - head > maxHistory) head++;
    // Compact now and then, so the ring's array does not grow for ever.
    if (head > 1024 && head > recent.length / 2) {
      recent.splice(0, head);
      head = 0;
    }
  };

  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page(inspectorUrl));
  });
  const wss = new WebSocketServer({ server });
  const broadcast = (text: string, from?: Socket) => {
    for (const client of wss.clients) {
      if (client !== from && client.readyState === OPEN) client.send(text);
    }
  };
  wss.on('connection', (socket) => {
    for (const text of actors.values()) socket.send(text);
    for (let i = head; i < recent.length; i++) socket.send(recent[i]!);
    socket.on('message', (data) => {
      const text = data.toString();
      remember(text);
      broadcast(text, socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `ws://${authority}`,
    pageUrl: `http://${authority}`,
    host,
    port,
    historySize: () => actors.size + recent.length - head,
    publish(message) {
      const text = JSON.stringify(message);
      remember(text);
      broadcast(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        wss.close(() => server.close(() => resolve()));
        server.closeAllConnections();
      }),
  };
}

/** `ws`, which `@statelyai/inspect` depends on, resolved from there (not hoisted everywhere). */
function loadWs(): WsModule {
  const require = createRequire(import.meta.url);
  loadOptionalPeer('@statelyai/inspect', FEATURE);
  const fromInspect = createRequire(require.resolve('@statelyai/inspect'));
  return fromInspect('ws') as WsModule;
}

/** The viewer page: frames the inspector app and posts it the events from this bridge. */
function page(inspectorUrl: string): string {
  const src = JSON.stringify(inspectorUrl).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>seriatim inspector bridge</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector"></iframe>
  <script>
    // The inspector app is ${inspectorUrl.replace(/[<>&]/g, '')}: it is loaded from there and gets these events.
    const iframe = document.getElementById('inspector');
    iframe.src = ${src};
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer) iframe.contentWindow.postMessage(event, '*');
        buffer.length = 0;
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}
