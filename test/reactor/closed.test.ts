/**
 * Closed means closed (README, Reactor): after `close()` every reactor call rejects with one
 * `ReactorClosedError`, the same on memory, SQLite and PostgreSQL; a `watch` still waiting when
 * the reactor closes rejects with it too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { counterActions, counterModel } from '../../src/examples/index.js';
import {
  createReactor,
  type Reactor,
  ReactorClosedError,
  type ReactorOptions,
} from '../../src/index.js';
import { SimulatedClock } from '../support/clock.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  if (hasPostgres) await closeAdmin();
});

const adapters: { name: string; storage: () => ReactorOptions['storage'] }[] = [
  { name: 'memory', storage: () => 'memory' },
  {
    name: 'sqlite',
    storage: () => {
      const path = tempDbPath();
      cleanups.push(async () => removeDb(path));
      return { sqlite: path };
    },
  },
];
if (hasPostgres) {
  adapters.push({
    name: 'postgres',
    storage: () => {
      const schema = schemaName('closed');
      cleanups.push(() => dropSchema(schema));
      return (ctx) => openStorage(schema, ctx);
    },
  });
}

/** Every call of the reactor's face, with plausible arguments. */
function calls(reactor: Reactor, jobId: string): [string, () => Promise<unknown>][] {
  return [
    ['submit', () => reactor.submit({ documentId: 'd', scopes: ['global'], actions: [] })],
    [
      'createDocument',
      () => reactor.createDocument({ documentId: 'e', documentType: counterModel.documentType }),
    ],
    ['watch', () => reactor.watch(jobId)],
    ['cancel', () => reactor.cancel(jobId)],
    ['getState', () => reactor.getState('d', 'global')],
    ['start', () => reactor.start()],
    ['pause', () => reactor.pause()],
    ['resume', () => reactor.resume()],
    ['stop', () => reactor.stop()],
    ['getStatus', () => reactor.getStatus()],
    ['getStats', () => reactor.getStats()],
    ['getBlockedLanes', () => reactor.getBlockedLanes()],
    ['retryJob', () => reactor.retryJob(jobId)],
    ['skipJob', () => reactor.skipJob(jobId)],
  ];
}

describe.each(adapters)('a closed reactor ($name)', ({ storage }) => {
  it('rejects every call with ReactorClosedError naming the method, and a pending watch too', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.UTC(2026, 0, 1));
    const reactor = await createReactor({ models: [counterModel], clock, storage: storage() });
    await reactor.start();
    await reactor.createDocument({ documentId: 'd', documentType: counterModel.documentType });
    // Delayed far beyond the simulated time: it never runs, so its watch is still waiting.
    const job = await reactor.submit({
      documentId: 'd',
      scopes: ['global'],
      actions: [counterActions.increment(1)],
      runAt: clock.now() + 86_400_000,
    });
    const waiting = reactor.watch(job.id).catch((reason: unknown) => reason);

    await reactor.close();

    expect(await waiting).toBeInstanceOf(ReactorClosedError);
    for (const [method, call] of calls(reactor, job.id)) {
      const error = await call().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error, method).toBeInstanceOf(ReactorClosedError);
      expect((error as ReactorClosedError).method).toBe(method);
      expect((error as Error).message).toContain(`reactor.${method}() was called after close()`);
    }
    for (const method of ['on', 'once', 'off'] as const) {
      expect(() => reactor[method]('jobCompleted', () => {}), method).toThrow(ReactorClosedError);
    }
    await expect(reactor.close()).resolves.toBeUndefined();
  });
});
