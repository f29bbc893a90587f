/**
 * Live inspection over a WebSocket: a thin wrapper of `@statelyai/inspect`'s
 * `createWebSocketInspector`, pointed at a local bridge by default (never a hosted service).
 * @module
 */
import { connect } from 'node:net';
import type * as StatelyInspect from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';
import { loadOptionalPeer } from '../../optional-peer.js';

/** Where inspection events go unless told otherwise: a bridge on this machine. */
export const DEFAULT_INSPECTOR_URL = 'ws://127.0.0.1:8080';

export type WebSocketInspectorOptions = {
  /** The inspector bridge's WebSocket URL. @default 'ws://127.0.0.1:8080' */
  url?: string;
  /**
   * Events kept while no connection is open (the oldest dropped first). The upstream default
   * (200) loses the actor registrations of a busy start. @default 10000
   */
  maxDeferredEvents?: number;
  /** Nesting serialised in snapshots and events. @default 10 */
  serializationDepthLimit?: number;
};

/** A live inspector. */
export type WebSocketInspector = {
  /** Pass as the `inspect` option of `createReactor` (or of any `createActor`). */
  inspect: Observer<InspectionEvent>;
  url: string;
  /** Whether the WebSocket is open now. */
  isConnected(): boolean;
  /** Resolves true once connected, false after `timeout` ms without a connection. */
  waitForConnection(timeout: number): Promise<boolean>;
  /** Sends what is queued (waiting up to `timeout` ms) and closes the connection. */
  close(timeout?: number): Promise<void>;
};

// Fields of the upstream adapter that its types keep private; read defensively.
type AdapterInternals = { status?: string; ws?: { bufferedAmount?: number } };

/**
 * Connects to an inspector bridge over a WebSocket. Start one locally with
 * `startInspectorBridge` (`npm run inspector`; it serves the page that shows the events),
 * then run with `inspect: inspector.inspect`.
 * @example
 * const inspector = createWebSocketInspector({ url: 'ws://127.0.0.1:8080' });
 * const reactor = await createReactor({ models, inspect: inspector.inspect });
 * // …
 * await reactor.close();
 * await inspector.close();
 */
export function createWebSocketInspector(
  options: WebSocketInspectorOptions = {},
): WebSocketInspector {
  const url = options.url ?? DEFAULT_INSPECTOR_URL;
  const target = new URL(url);
  const { createWebSocketInspector: createStatelyWebSocketInspector } = loadOptionalPeer<
    typeof StatelyInspect
  >('@statelyai/inspect', 'The live inspector (createWebSocketInspector, --inspect)');
  const inspector = createStatelyWebSocketInspector({
    url,
    autoStart: false,
    maxDeferredEvents: options.maxDeferredEvents ?? 10_000,
    serializationDepthLimit: options.serializationDepthLimit ?? 10,
  });
  const adapter = inspector.adapter as unknown as AdapterInternals;
  const isConnected = () => adapter.status === 'open';
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let started = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  // The upstream adapter retries a failed connection every 5 s for ever, with a timer that keeps
  // the process alive even after `stop()`. So it is started only once the bridge accepts TCP
  // connections; until then a probe retries on an unref'd timer and events wait in its buffer.
  const probe = () => {
    if (closed || started) return;
    const socket = connect({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: Number(target.port || (target.protocol === 'wss:' ? 443 : 80)),
    });
    socket.unref();
    socket.once('connect', () => {
      socket.destroy();
      if (closed || started) return;
      started = true;
      inspector.start();
    });
    socket.once('error', () => {
      socket.destroy();
      if (closed) return;
      retry = setTimeout(probe, 500);
      retry.unref();
    });
  };
  probe();

  return {
    inspect: inspector.inspect,
    url,
    isConnected,
    async waitForConnection(timeout) {
      const deadline = Date.now() + timeout;
      while (!isConnected() && Date.now() < deadline) await sleep(20);
      return isConnected();
    },
    async close(timeout = 2_000) {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      if (!started) return;
      // The upstream inspector converts each event in a zero-delay timer: let those run, then
      // wait for the socket to hand its buffer to the OS before closing it.
      await sleep(0);
      await sleep(0);
      const deadline = Date.now() + timeout;
      while (isConnected() && (adapter.ws?.bufferedAmount ?? 0) > 0 && Date.now() < deadline) {
        await sleep(10);
      }
      inspector.stop();
    },
  };
}
