import { describe, expect, it } from 'vitest';
import { counterActions, counterModel, todoActions, todoModel } from '../../src/examples/index.js';
import {
  CREATE_DOCUMENT,
  createReactor,
  JobErrorCodes,
  type JobStats,
  Metrics,
  type Reactor,
} from '../../src/index.js';
import { runUntil, SimulatedClock } from '../support/clock.js';
import { jobInput, makeRuntime } from '../support/runtime.js';

const COUNTER = counterModel.documentType;
const TODO = todoModel.documentType;

function sum(byType: Record<string, JobStats>) {
  const total = { pending: 0, running: 0, completed: 0, failed: 0 };
  for (const stats of Object.values(byType)) {
    total.pending += stats.pending;
    total.running += stats.running;
    total.completed += stats.completed;
    total.failed += stats.failed;
  }
  return total;
}

/** Steps the clock until `total` jobs have finished since the reactor started. */
async function finished(reactor: Reactor, clock: SimulatedClock, total: number) {
  let seen = 0;
  const off1 = reactor.on('jobCompleted', () => seen++);
  const off2 = reactor.on('jobFailed', () => seen++);
  // Read in the same turn as the subscriptions: jobs finished before are counted here, once.
  const before = reactor.getStatus();
  const base = (await before).totalJobsProcessed;
  await runUntil(clock, () => base + seen >= total);
  off1();
  off2();
}

describe('metrics by document type', () => {
  it('counts a mixed workload: completed, failed and pending by type; unknown documents apart; types add up to the totals', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.UTC(2026, 0, 1));
    const reactor = await createReactor({ models: [counterModel, todoModel], clock });
    const { metrics, scheduler } = reactor;
    await reactor.start();
    await reactor.createDocument({ documentId: 'c1', documentType: COUNTER });
    await reactor.createDocument({ documentId: 'c2', documentType: COUNTER });
    await reactor.createDocument({ documentId: 't1', documentType: TODO });
    const submit = (documentId: string, action: ReturnType<typeof counterActions.increment>) =>
      reactor.submit({ documentId, scopes: ['global'], actions: [action] });
    await submit('c1', counterActions.increment(1));
    await submit('c1', counterActions.increment(2));
    await submit('c2', counterActions.increment(3));
    await submit('t1', todoActions.add('x', 'milk'));
    const duplicate = await submit('t1', todoActions.add('x', 'again')); // LIBRARY_ERROR
    const ghost = await submit('ghost', counterActions.increment(1)); // DOCUMENT_NOT_FOUND
    await finished(reactor, clock, 9);
    expect((await reactor.manager.watch(duplicate.id)).errorCode).toBe(JobErrorCodes.LIBRARY_ERROR);
    expect((await reactor.manager.watch(ghost.id)).errorCode).toBe(
      JobErrorCodes.DOCUMENT_NOT_FOUND,
    );

    // Pending: delayed jobs (a day from now) on known and unknown documents, and a batch.
    const later = clock.now() + 86_400_000;
    await scheduler.schedule(
      { documentId: 'c1', scopes: ['global'], actions: [counterActions.increment(1)] },
      { runAt: later },
    );
    const second = await scheduler.schedule(
      { documentId: 'c1', scopes: ['global'], actions: [counterActions.increment(1)] },
      { runAt: later },
    );
    await scheduler.schedule(
      { documentId: 't1', scopes: ['global'], actions: [todoActions.toggle('x')] },
      { runAt: later },
    );
    await scheduler.schedule(
      { documentId: 'nobody-knows', scopes: ['global'], actions: [counterActions.increment(1)] },
      { runAt: later },
    );
    await reactor.queue.enqueueMany([
      {
        documentId: 'c2',
        scopes: ['global'],
        actions: [counterActions.increment(1)],
        runAt: later,
      },
    ]);

    const byType = await metrics.getStatsByType();
    expect(byType).toEqual({
      [COUNTER]: { pending: 2, running: 0, completed: 5, failed: 0, avgProcessingTime: 0 },
      [TODO]: { pending: 1, running: 0, completed: 2, failed: 1, avgProcessingTime: 0 },
      // the ghost's failure, the unknown document's delayed job, and the batch (not seen by id)
      unknown: { pending: 2, running: 0, completed: 0, failed: 1, avgProcessingTime: 0 },
    });
    const totals = await metrics.getStats();
    expect(totals).toEqual({
      pending: 5,
      running: 0,
      completed: 7,
      failed: 2,
      avgProcessingTime: 0,
    });
    expect(sum(byType)).toEqual({ pending: 5, running: 0, completed: 7, failed: 2 });
    expect(await reactor.queue.counts()).toEqual({
      pending: 5,
      running: 0,
      completed: 7,
      failed: 2,
    });
    expect((await reactor.manager.getStats()).queueBacklog).toBe(totals.pending);

    // A cancelled delayed job leaves the counts.
    expect(await scheduler.cancel(second)).toBe(true);
    expect((await metrics.getStatsByType())[COUNTER]).toMatchObject({ pending: 1 });
    expect(await metrics.getStats()).toMatchObject({ pending: 4 });
    await reactor.close();
  });

  it('learns a type from the executor when it did not see the document created', async () => {
    const clock = new SimulatedClock();
    clock.set(Date.UTC(2026, 0, 1));
    const reactor = await createReactor({ models: [counterModel, todoModel], clock });
    await reactor.start();
    await reactor.createDocument({ documentId: 't1', documentType: TODO });
    await finished(reactor, clock, 1);
    const late = new Metrics({ bus: reactor.bus, queue: reactor.queue });
    expect(late.documentType('t1')).toBeUndefined();
    await reactor.submit({
      documentId: 't1',
      scopes: ['global'],
      actions: [todoActions.add('a', 'x')],
    });
    await finished(reactor, clock, 2);
    expect(late.documentType('t1')).toBe(TODO);
    await reactor.scheduler.schedule(
      { documentId: 't1', scopes: ['global'], actions: [todoActions.toggle('a')] },
      { runAt: clock.now() + 60_000 },
    );
    expect(await late.getStatsByType()).toEqual({
      [TODO]: { pending: 1, running: 0, completed: 1, failed: 0, avgProcessingTime: 0 },
      unknown: { pending: 0, running: 0, completed: 1, failed: 0, avgProcessingTime: 0 },
    });
    late.dispose();
    await reactor.close();
  });

  it('times jobs and counts running ones; the totals match the queue and the manager', async () => {
    const durations: Record<string, number> = { create: 0, a1: 100, a2: 300, a3: 200, b1: 50 };
    const rt = makeRuntime({
      script: (job) =>
        job.id === 'a3'
          ? { kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR, after: durations[job.id] }
          : { kind: 'ok', after: durations[job.id] ?? 1_000 },
    });
    const metrics = new Metrics({ bus: rt.bus, queue: rt.queue });
    await rt.queue.enqueue({
      id: 'create',
      documentId: 'doc-a',
      scopes: ['global'],
      actions: [
        {
          id: 'c',
          type: CREATE_DOCUMENT,
          scope: 'global',
          input: { documentType: 'type-a' },
          timestampUtcMs: new Date(0).toISOString(),
        },
      ],
    });
    for (const id of ['a1', 'a2', 'a3']) await rt.queue.enqueue(jobInput(id, 'doc-a', ['global']));
    await rt.queue.enqueue(jobInput('b1', 'doc-b', ['global']));
    await rt.queue.enqueue(jobInput('slow', 'doc-a', ['global']));
    await rt.manager.start();
    await runUntil(rt.clock, () => rt.monitor.count('jobStarted') === 6);

    const byType = await metrics.getStatsByType();
    expect(byType['type-a']).toEqual({
      pending: 0,
      running: 1, // 'slow'
      completed: 3,
      failed: 1,
      avgProcessingTime: (0 + 100 + 300 + 200) / 4,
    });
    expect(byType.unknown).toEqual({
      pending: 0,
      running: 0,
      completed: 1,
      failed: 0,
      avgProcessingTime: 50,
    });
    const totals = await metrics.getStats();
    expect(totals).toEqual({
      ...(await rt.queue.counts()),
      avgProcessingTime: (0 + 100 + 300 + 200 + 50) / 5,
    });
    expect(totals.avgProcessingTime).toBe((await rt.manager.getStats()).averageExecutionTime);
    expect(sum(byType)).toEqual(await rt.queue.counts());

    await runUntil(rt.clock, () => rt.monitor.count('jobCompleted') === 5);
    expect((await metrics.getStatsByType())['type-a']).toMatchObject({ running: 0, completed: 4 });
    metrics.dispose();
    await rt.manager.stop();
    rt.manager.dispose();
  });
});
