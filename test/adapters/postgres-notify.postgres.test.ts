/**
 * PostgreSQL-only: `jobAvailable` across processes through LISTEN/NOTIFY, and polling as the
 * backstop. Two storages on one schema stand for two processes (each has its own bus).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import type { Claim } from '../../src/adapters/ports.js';
import type { PostgresStorage } from '../../src/adapters/postgres/index.js';
import type { Clock } from '../../src/clock.js';
import { systemClock } from '../../src/clock.js';
import { EventTypes } from '../../src/events.js';
import { jobInput } from '../conformance/fixtures.js';
import { nextDue } from '../support/clock.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  query,
  schemaName,
} from '../support/postgres.js';

type Node = { storage: PostgresStorage; available: () => number };

describe.skipIf(!hasPostgres)('postgres jobAvailable', () => {
  let schema: string;
  let storages: PostgresStorage[];

  async function node(
    options = {},
    clock: Clock = systemClock,
    runnerId = 'runner-test',
  ): Promise<Node> {
    const bus = new MemoryEventBus();
    let count = 0;
    bus.subscribe(EventTypes.JOB_AVAILABLE, () => {
      count += 1;
    });
    const storage = openStorage(schema, { bus, clock, runnerId }, { poolSize: 2, ...options });
    storages.push(storage);
    await storage.start();
    // start() publishes once after LISTEN (jobs may have become ready while nobody listened).
    await vi.waitFor(() => expect(count).toBeGreaterThan(0));
    const base = count;
    return { storage, available: () => count - base };
  }

  beforeEach(() => {
    schema = schemaName('notify');
    storages = [];
  });
  afterEach(async () => {
    await Promise.all(storages.map((storage) => storage.close()));
    await dropSchema(schema);
  });
  afterAll(closeAdmin);

  const slowPoll = { pollInterval: 10 ** 9 };

  it("wakes other processes on enqueue, and a process's own notifications are not echoed", async () => {
    const a = await node(slowPoll);
    const b = await node(slowPoll);

    await a.storage.queue.enqueue(jobInput('doc-1', ['x']));

    await vi.waitFor(() => expect(b.available()).toBe(1));
    // A published once, locally; a marker sent after the enqueue arrives after any echo would.
    await b.storage.queue.enqueue(jobInput('doc-2', ['x']));
    await vi.waitFor(() => expect(a.available()).toBe(2));
    expect(a.available()).toBe(2);
    expect(b.available()).toBe(2);
  });

  it('wakes other processes when a completion makes the next job of a lane ready', async () => {
    const a = await node(slowPoll);
    const b = await node(slowPoll);
    await a.storage.queue.enqueueMany([jobInput('doc-1', ['x']), jobInput('doc-1', ['x'])]);
    await vi.waitFor(() => expect(b.available()).toBe(1));
    const [claim] = (await a.storage.queue.claim('a', 10)) as [Claim];

    await a.storage.queue.complete({ jobId: claim.job.id, token: claim.token }, 1);

    await vi.waitFor(() => expect(b.available()).toBe(2));
    expect(a.available()).toBe(1); // the completing process claims on its own freed slot
  });

  it('wakes other processes on release', async () => {
    const a = await node(slowPoll);
    const b = await node(slowPoll);
    await a.storage.queue.enqueue(jobInput('doc-1', ['x']));
    await vi.waitFor(() => expect(b.available()).toBe(1));
    const [claim] = (await a.storage.queue.claim('a', 10)) as [Claim];

    await a.storage.queue.release({ jobId: claim.job.id, token: claim.token }, 0);

    await vi.waitFor(() => expect(b.available()).toBe(2));
  });

  it('listens again after the LISTEN connection was lost', async () => {
    const a = await node({ pollInterval: 50 });
    const b = await node({ pollInterval: 50 }, systemClock, 'runner-b');
    const [killed] = await query<{ n: number }>(
      schema,
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'seriatim listen runner-b'",
    );
    expect(killed?.n).toBe(1);
    // After reconnecting, b publishes once (it may have missed notifications meanwhile).
    await vi.waitFor(() => expect(b.available()).toBe(1));

    // Not due for a long while: b's fast polling finds nothing ready, only NOTIFY can wake it.
    await a.storage.queue.enqueue(jobInput('doc-1', ['x'], { runAt: Date.now() + 10 ** 9 }));

    await vi.waitFor(() => expect(b.available()).toBe(2));
  });

  it('polls as a backstop: a ready job nobody announced is found within pollInterval', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.now());
    const a = await node({ heartbeatInterval: 10 ** 8, stalledThreshold: 10 ** 9 }, clock);
    /** Lets the next poll come due once the previous one settled (it schedules the next). */
    const nextPoll = async () => {
      await vi.waitFor(() => expect(nextDue(clock)).toBe(clock.now() + 1_000));
      clock.increment(1_000);
    };
    await a.storage.queue.enqueue(jobInput('doc-1', ['x']));
    expect(a.available()).toBe(1);
    // Nothing ready (the job looks running): polling stays quiet.
    await query(schema, "UPDATE jobs SET status = 'RUNNING'");
    await nextPoll();
    await nextPoll();
    expect(a.available()).toBe(1);

    // A job made ready behind the queue's back: no NOTIFY, no local publish.
    await query(schema, "UPDATE jobs SET status = 'PENDING'");
    await nextPoll();

    await vi.waitFor(() => expect(a.available()).toBe(2));
  });
});
