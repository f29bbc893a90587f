/**
 * The lanes dashboard's HTTP server (README: Dashboard): the page and its assets (shipped in the
 * package, no CDN), JSON endpoints over the operations view, server-sent events carrying the
 * overview every `sampleInterval`, and — only when `writes` is given — retry and skip behind a
 * bearer token. Binds 127.0.0.1 unless told otherwise, and then answers only requests addressed
 * to a loopback name (a page of another site cannot reach it through DNS rebinding).
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LanesQuery } from '../adapters/lanes-view.js';
import type { IOperationStore, IQueue } from '../adapters/ports.js';
import { type Clock, systemClock } from '../clock.js';
import { ConfigError, JobValidationError } from '../errors.js';
import type { Reactor } from '../reactor.js';
import { jobDetail } from './job-detail.js';
import type { LaneStates } from './lane-states.js';
import { Sampler } from './sampler.js';

/** What the dashboard looks at: a queue and a store, and the reactor running them if any. */
export type DashboardSource = {
  queue: IQueue;
  store: IOperationStore;
  /** A running reactor: its status, latencies, retries backing off; retry/skip go through it. */
  reactor?: Reactor;
  /** The lane machines' states (`createLaneStates`, given to the reactor as `inspect`). */
  laneStates?: LaneStates;
};

export type DashboardOptions = {
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * Enables retry and skip. Each such request carries `Authorization: Bearer <token>`; without
   * `token` one is made (read it from `dashboard.token`). Absent: the dashboard only reads.
   */
  writes?: { token?: string | undefined };
  /** Milliseconds between two samples of the overview (chart and live updates). @default 1000 */
  sampleInterval?: number;
  /** Samples kept for the chart. @default 300 (5 minutes at the default interval) */
  history?: number;
  /** Time of the samples and of their timer. @default the system clock */
  clock?: Clock;
};

/** A running dashboard. */
export type Dashboard = {
  /** `http://host:port` */
  url: string;
  /** The page's address; with writes enabled it carries the token in its fragment. */
  pageUrl: string;
  port: number;
  /** The write token, when writes are enabled. */
  token?: string;
  /** Ends live streams and stops the server. */
  close(): Promise<void>;
};

const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/assets/app.js': 'app.js',
  '/assets/app.css': 'app.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** An error answered with its status and message as JSON. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Serves the dashboard over `source`.
 * @throws ConfigError naming the option, for a bad host, port or interval
 * @example
 * const dashboard = await serveDashboard({ queue: reactor.queue, store: reactor.store });
 * console.log(dashboard.url);
 */
export async function serveDashboard(
  source: DashboardSource,
  options: DashboardOptions = {},
): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const sampleInterval = options.sampleInterval ?? 1000;
  if (typeof host !== 'string' || host.length === 0) {
    throw new ConfigError('host', `expected \`host\` to be an address, got ${String(host)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('port', `expected \`port\` to be an integer in [0, 65535], got ${port}`);
  }
  if (!Number.isFinite(sampleInterval) || sampleInterval < 50) {
    throw new ConfigError(
      'sampleInterval',
      `expected \`sampleInterval\` to be at least 50 ms, got ${sampleInterval}`,
    );
  }
  const token = options.writes
    ? options.writes.token || randomBytes(24).toString('base64url')
    : undefined;
  const loopbackOnly = LOOPBACK_HOSTS.has(host);
  const sampler = new Sampler(source, {
    interval: sampleInterval,
    history: options.history ?? 300,
    clock: options.clock ?? systemClock,
  });
  const streams = new Set<ServerResponse>();

  const snapshot = async () => ({
    ...(await sampler.current()),
    writes: token !== undefined,
  });

  sampler.onSample((sample) => {
    const data = `event: overview\ndata: ${JSON.stringify({ ...sample, writes: token !== undefined })}\n\n`;
    for (const stream of streams) stream.write(data);
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (loopbackOnly && !LOOPBACK_HOSTS.has(hostName(req.headers.host))) {
      throw new HttpError(421, 'this dashboard answers only requests addressed to 127.0.0.1');
    }
    const path = url.pathname;
    if (req.method === 'GET' && ASSETS[path]) {
      const file = ASSETS[path];
      const body = await readFile(new URL(`./assets/${file}`, import.meta.url));
      res.writeHead(200, {
        'content-type': TYPES[file.split('.').pop() as string] as string,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
      return;
    }
    if (req.method === 'GET' && path === '/api/overview') return json(res, await snapshot());
    if (req.method === 'GET' && path === '/api/lanes') {
      if (!source.queue.lanes) throw new HttpError(501, 'this queue has no operations view');
      const query: LanesQuery = {
        offset: intParam(url, 'offset', 0),
        limit: intParam(url, 'limit', 50),
        blocked: url.searchParams.get('blocked') === '1',
      };
      try {
        return json(res, await source.queue.lanes(query));
      } catch (error) {
        if (error instanceof RangeError) throw new HttpError(400, error.message);
        throw error;
      }
    }
    if (req.method === 'GET' && path === '/api/lane-machine') {
      const lane = {
        documentId: requiredParam(url, 'documentId'),
        scope: requiredParam(url, 'scope'),
        branch: url.searchParams.get('branch') || 'main',
      };
      if (!source.laneStates) {
        throw new HttpError(501, 'lane machine states need createLaneStates() given as inspect');
      }
      const view = source.laneStates.get(lane);
      if (!view) throw new HttpError(404, 'no lane actor of this lane was seen in this process');
      return json(res, view);
    }
    if (req.method === 'GET' && path === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      streams.add(res);
      req.on('close', () => streams.delete(res));
      res.write(`event: overview\ndata: ${JSON.stringify(await snapshot())}\n\n`);
      return;
    }
    const jobMatch = /^\/api\/jobs\/([^/]+)(?:\/(retry|skip))?$/.exec(path);
    if (jobMatch) {
      const jobId = decodeURIComponent(jobMatch[1] as string);
      const action = jobMatch[2];
      if (action === undefined && req.method === 'GET') {
        const detail = await jobDetail(source.queue, source.store, jobId);
        if (!detail) throw new HttpError(404, `no job with id ${JSON.stringify(jobId)}`);
        return json(res, detail);
      }
      if (action !== undefined && req.method === 'POST') {
        authorize(req, token);
        try {
          const reactor = source.reactor;
          if (action === 'retry')
            await (reactor ? reactor.retryJob(jobId) : source.queue.retry(jobId));
          else await (reactor ? reactor.skipJob(jobId) : source.queue.skip(jobId));
        } catch (error) {
          if (error instanceof JobValidationError) throw new HttpError(409, error.message);
          throw error;
        }
        sampler.poke();
        return json(res, { jobId, done: action });
      }
    }
    throw new HttpError(404, `no such resource: ${req.method} ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) json(res, { error: message }, status);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  sampler.start();
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}`;
  return {
    url,
    pageUrl: token ? `${url}/#token=${token}` : `${url}/`,
    port: address.port,
    ...(token ? { token } : {}),
    async close() {
      sampler.stop();
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Serves the dashboard of a running reactor: its queue and store, its status and events.
 * @example
 * const laneStates = createLaneStates();
 * const reactor = await createReactor({ models, storage, inspect: laneStates.inspect });
 * const dashboard = await startDashboard(reactor, { laneStates });
 */
export function startDashboard(
  reactor: Reactor,
  options: DashboardOptions & { laneStates?: LaneStates } = {},
): Promise<Dashboard> {
  const { laneStates, ...rest } = options;
  return serveDashboard(
    { queue: reactor.queue, store: reactor.store, reactor, ...(laneStates ? { laneStates } : {}) },
    rest,
  );
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.split(':')[0] as string;
}

function authorize(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined) {
    throw new HttpError(
      403,
      'writes are disabled: start the dashboard with writes (--allow-writes)',
    );
  }
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, 'missing or wrong token (Authorization: Bearer <token>)');
  }
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw))
    throw new HttpError(400, `\`${name}\` must be an integer ≥ 0, got ${raw}`);
  return Number(raw);
}

function requiredParam(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (!value) throw new HttpError(400, `\`${name}\` is required`);
  return value;
}
