/**
 * A write whose outcome is unknown, kept with the job across a stop and a new process (README:
 * Semantics, "Retries"): the append commits but its answer is lost and the lookup fails, the
 * reactor stops while the job backs off (the job goes back to the queue flagged), and a reactor
 * of another process on the same SQLite file, with the job's retries used up, meets a transient
 * failure: it retries, finds the operations stored and completes the job, instead of failing it.
 *
 * The operations live in a store of their own that ignores the append's claim (as the ports
 * allow a store sharing no backend with the queue): with SQLite's own store the committed append
 * would have completed the job in the same transaction, lost answer or not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventBus, MemoryOperationStore } from '../../src/adapters/memory/index.js';
import type { Storage } from '../../src/adapters/ports.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import { createReactor, type Reactor } from '../../src/create-reactor.js';
import { createDocumentJob } from '../../src/document/create-action.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { JobStatus } from '../../src/types.js';
import { runUntil, SimulatedClock, seededRandom } from '../support/clock.js';
import { EventMonitor } from '../support/event-monitor.js';
import { interceptStorage, type PortCall } from '../support/intercepted-ports.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const lost = () => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

describe('a write whose outcome is unknown, across a stop and another process', () => {
  const paths: string[] = [];
  afterEach(() => {
    for (const path of paths.splice(0)) removeDb(path);
  });

  it('completes the job (replayed, its operations stored once) instead of failing it', async () => {
    const path = tempDbPath('seriatim-unknown-outcome-');
    paths.push(path);
    const clock = new SimulatedClock();
    clock.set(1_700_000_000_000);
    const bus = new MemoryEventBus();
    const monitor = new EventMonitor(bus);
    let hook: { before?: (call: PortCall) => void; after?: (call: PortCall) => void } = {};
    // The operations' store, shared by both processes, completes no claims.
    const operations = new MemoryOperationStore();

    /** A reactor of its own process on the file, its ports passing through `hook`. */
    async function open(runnerId: string): Promise<{ reactor: Reactor; raw: Storage }> {
      const sqlite = createSqliteStorage(path, { bus, clock, runnerId });
      const raw: Storage = { ...sqlite, store: operations };
      const storage = interceptStorage(raw, {
        before: (call) => hook.before?.(call),
        after: (call) => hook.after?.(call),
      });
      const reactor = await createReactor({
        models: [counterModel],
        storage,
        clock,
        bus,
        random: seededRandom(7),
        runnerId,
        config: { maxRetries: 0 },
        onError: () => {},
      });
      return { reactor, raw };
    }
    async function stop(reactor: Reactor): Promise<void> {
      let stopped = false;
      void reactor.stop().then(() => {
        stopped = true;
      });
      await runUntil(clock, () => stopped);
    }

    const first = await open('process-1');
    await first.reactor.start();
    const { documentType, scopes } = counterModel;
    await first.raw.queue.enqueue({
      ...createDocumentJob({ documentId: 'd1', documentType, scopes }),
      id: 'create',
    });
    await runUntil(clock, () => monitor.count('jobCompleted') === 1);

    // The append commits, its answer is lost, and every read of the lookup fails.
    let appendFaults = 1;
    hook = {
      before: (call) => {
        if (call.method === 'findOperations') throw lost();
      },
      after: (call) => {
        if (call.method === 'append' && appendFaults-- > 0) throw lost();
      },
    };
    const job = { id: 'j1', documentId: 'd1', scopes: ['global'] };
    await first.raw.queue.enqueue({ ...job, actions: [counterActions.increment(2)] });
    await runUntil(clock, () => monitor.count('jobRetry') === 1);
    hook = {};
    await stop(first.reactor); // while it backs off: back to the queue, its retries used up
    await first.reactor.close();

    const second = await open('process-2');
    try {
      expect(await second.raw.queue.get('j1')).toMatchObject({
        status: JobStatus.PENDING,
        attempts: 1,
        outcomeUnknown: true,
      });
      expect(await second.raw.store.getOperations('d1', 'global', 'main')).toHaveLength(1);
      // The next attempt's first read fails: a transient error, with no retries left.
      let readFaults = 1;
      hook = {
        before: (call) => {
          if (call.port === 'store' && call.method !== 'append' && readFaults > 0) {
            readFaults -= 1;
            throw lost();
          }
        },
      };
      await second.reactor.start();
      await runUntil(clock, () => monitor.count('jobCompleted') + monitor.count('jobFailed') === 2);
      expect(readFaults).toBe(0);
      expect(monitor.count('jobFailed')).toBe(0);
      const stored = await second.raw.queue.get('j1');
      expect(stored).toMatchObject({ status: JobStatus.COMPLETED, attempts: 3 });
      expect(stored?.outcomeUnknown).toBeUndefined();
      expect(await second.raw.store.getOperations('d1', 'global', 'main')).toHaveLength(1);
      await stop(second.reactor);
    } finally {
      await second.reactor.close();
    }
  });
});
