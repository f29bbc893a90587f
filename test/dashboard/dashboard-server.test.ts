/**
 * The lanes dashboard over HTTP (README: Dashboard): a reactor with a halted lane, the page and
 * its offline assets, the JSON endpoints, the live stream, the token on retry and skip, the
 * loopback binding and Host check.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOperationStore, MemoryQueue } from '../../src/adapters/memory/index.js';
import {
  createLaneStates,
  type Dashboard,
  type DashboardSample,
  type JobDetail,
  type LaneMachineView,
  type LanesPage,
  serveDashboard,
  startDashboard,
} from '../../src/dashboard/index.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { ConfigError, createReactor, JobErrorCodes, type Reactor } from '../../src/index.js';
import { flush, SimulatedClock } from '../support/clock.js';

const T0 = Date.UTC(2026, 0, 1);

const increment = (documentId: string) => ({
  documentId,
  scopes: ['global'],
  actions: [counterActions.increment(1)],
});

/** GETs JSON of the given shape. */
async function get<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

let reactor: Reactor | undefined;
let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  await reactor?.close();
  dashboard = undefined;
  reactor = undefined;
});

/** A running reactor whose lane ghost/global is halted by a job on a missing document, with the
 * document's creation and an increment queued behind it. */
async function haltedReactor() {
  const laneStates = createLaneStates();
  const r = await createReactor({
    models: [counterModel],
    laneFailurePolicy: 'halt',
    inspect: laneStates.inspect,
  });
  reactor = r;
  await r.start();
  const halted = await r.submit(increment('ghost'));
  expect((await r.watch(halted.id)).errorCode).toBe(JobErrorCodes.DOCUMENT_NOT_FOUND);
  const create = await r.createDocument({
    documentId: 'ghost',
    documentType: counterModel.documentType,
  });
  const behind = await r.submit(increment('ghost'));
  return { r, laneStates, halted, create, behind };
}

/** Reads server-sent `overview` events until `until` accepts one. */
async function readEvents(
  url: string,
  until: (data: DashboardSample) => boolean,
  signal: AbortSignal,
): Promise<DashboardSample[]> {
  const response = await fetch(`${url}/api/events`, { signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const seen: DashboardSample[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (block.startsWith('event: overview') && data) {
        const parsed = JSON.parse(data) as DashboardSample;
        seen.push(parsed);
        if (until(parsed)) {
          await reader.cancel();
          return seen;
        }
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/overview`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the lanes dashboard over HTTP', () => {
  it('serves the page and its assets from the package, offline, on 127.0.0.1', async () => {
    const { r } = await haltedReactor();
    dashboard = await startDashboard(r);
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${dashboard.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script src="/assets/app.js">');
    for (const asset of ['/assets/app.js', '/assets/app.css']) {
      const response = await fetch(`${dashboard.url}${asset}`);
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).not.toMatch(/https?:\/\//); // no CDN, nothing fetched from elsewhere
    }
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${dashboard.url}/nothing`)).status).toBe(404);
  });

  it('answers overview, lanes (paginated, blocked only), job and lane machine as JSON', async () => {
    const { r, laneStates, halted } = await haltedReactor();
    dashboard = await startDashboard(r, { laneStates });
    const overview = await (await fetch(`${dashboard.url}/api/overview`)).json();
    expect(overview).toMatchObject({
      // The creation job queued behind holds every scope of the document: 3 lanes with work.
      overview: { blockedLanes: 1, lanesWithWork: 3, counts: { failed: 1 } },
      status: { isRunning: true },
      writes: false,
    });

    const blocked = await get<LanesPage>(`${dashboard.url}/api/lanes?blocked=1&limit=10`);
    expect(blocked).toMatchObject({ total: 1, offset: 0, limit: 10 });
    expect(blocked.lanes[0]).toMatchObject({
      documentId: 'ghost',
      scope: 'global',
      backlog: 3,
      head: { jobId: halted.id, halted: true, errorCode: JobErrorCodes.DOCUMENT_NOT_FOUND },
    });
    const bad = await fetch(`${dashboard.url}/api/lanes?limit=0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('`limit`');

    const job = await get<JobDetail>(`${dashboard.url}/api/jobs/${halted.id}`);
    expect(job).toMatchObject({
      job: { id: halted.id, status: 'FAILED', halted: true, attempts: 1 },
      lanes: [{ documentId: 'ghost', scope: 'global', branch: 'main' }],
      operations: [],
    });
    expect(job.job.lastError?.code).toBe(JobErrorCodes.DOCUMENT_NOT_FOUND);
    expect((await fetch(`${dashboard.url}/api/jobs/nope`)).status).toBe(404);

    const machine = await fetch(`${dashboard.url}/api/lane-machine?documentId=ghost&scope=global`);
    expect(machine.status).toBe(200);
    const view = (await machine.json()) as LaneMachineView;
    expect(view).toMatchObject({ documentId: 'ghost', scope: 'global', branch: 'main' });
    expect(view.history.length).toBeGreaterThan(1);
    expect(view.history.some((step: { jobId?: string }) => step.jobId === halted.id)).toBe(true);
    const unseen = await fetch(`${dashboard.url}/api/lane-machine?documentId=other&scope=global`);
    expect(unseen.status).toBe(404);
  });

  it('refuses retry and skip without writes (403) and without the token (401); with it, skip drains the lane and the stream shows it', async () => {
    const { r, halted, create, behind } = await haltedReactor();
    const readOnly = await startDashboard(r);
    const refused = await fetch(`${readOnly.url}/api/jobs/${halted.id}/skip`, { method: 'POST' });
    expect(refused.status).toBe(403);
    await readOnly.close();

    dashboard = await startDashboard(r, { writes: { token: 'sesame' }, sampleInterval: 60_000 });
    expect(dashboard.pageUrl).toBe(`${dashboard.url}/#token=sesame`);
    const skip = `${dashboard.url}/api/jobs/${halted.id}/skip`;
    expect((await fetch(skip, { method: 'POST' })).status).toBe(401);
    const wrong = await fetch(skip, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await r.getBlockedLanes()).length).toBe(1);

    const stream = new AbortController();
    const events = readEvents(
      dashboard.url,
      (data) => data.overview?.blockedLanes === 0,
      stream.signal,
    );
    const ok = await fetch(skip, { method: 'POST', headers: { authorization: 'Bearer sesame' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ jobId: halted.id, done: 'skip' });
    const seen = await events;
    expect(seen[0]?.overview?.blockedLanes).toBe(1); // the state at connection comes first
    expect((await r.watch(create.id)).success).toBe(true);
    expect((await r.watch(behind.id)).success).toBe(true);
    const lanes = await get<LanesPage>(`${dashboard.url}/api/lanes`);
    expect(lanes.total).toBe(0);

    const again = await fetch(skip, {
      method: 'POST',
      headers: { authorization: 'Bearer sesame' },
    });
    expect(again.status).toBe(409);
  });

  it('samples throughput on the injected clock, one point per interval', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const queue = new MemoryQueue({ clock });
    dashboard = await serveDashboard(
      { queue, store: new MemoryOperationStore() },
      { clock, sampleInterval: 1000 },
    );
    await flush(); // the first sample, at start: the base of the first point
    await queue.enqueueMany([1, 2, 3, 4].map((i) => increment(`d${i}`)));
    const claims = await queue.claim('r', 4);
    for (const claim of claims.slice(0, 3)) {
      await queue.complete({ jobId: claim.job.id, token: claim.token }, 1);
    }
    const last = claims[3];
    if (!last) throw new Error('expected 4 claims');
    await queue.fail(
      { jobId: last.job.id, token: last.token },
      { attempts: 1, errorCode: 1, errorMessage: 'no' },
    );
    clock.increment(1000);
    await flush();
    clock.increment(1000);
    await flush();
    const sample = await get<DashboardSample>(`${dashboard.url}/api/overview`);
    expect(sample.points).toEqual([
      { at: T0 + 1000, throughput: 4, latency: null },
      { at: T0 + 2000, throughput: 0, latency: null },
    ]);
    expect(sample.at).toBe(T0 + 2000);
  });

  it('answers only requests addressed to a loopback name, and checks its options', async () => {
    const { r } = await haltedReactor();
    dashboard = await startDashboard(r);
    expect(await getWithHost(dashboard.url, `127.0.0.1:${dashboard.port}`)).toBe(200);
    expect(await getWithHost(dashboard.url, `localhost:${dashboard.port}`)).toBe(200);
    expect(await getWithHost(dashboard.url, `evil.example:${dashboard.port}`)).toBe(421);
    await expect(startDashboard(r, { port: -1 })).rejects.toBeInstanceOf(ConfigError);
    await expect(startDashboard(r, { sampleInterval: 0 })).rejects.toThrow(/sampleInterval/);
  });
});
