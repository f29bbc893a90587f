/**
 * A listener that throws, or a custom bus whose `publish` throws, reaches the reactor's `onError`
 * and undoes nothing: the adapters publish after their write took effect (README: Configuration).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import type { IEventBus } from '../../src/adapters/ports.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor, type Reactor } from '../../src/index.js';
import { JobStatus } from '../../src/types.js';

describe('bus errors reach onError and lose nothing', () => {
  let reactor: Reactor | undefined;
  afterEach(async () => {
    await reactor?.close();
    reactor = undefined;
  });

  it('a custom bus that throws on publish: submit resolves once, the job runs, onError hears it', async () => {
    const inner = new MemoryEventBus();
    const failure = new Error('bus down');
    let throwing = true;
    const bus: IEventBus = {
      subscribe: (type: number, handler: never) => inner.subscribe(type, handler),
      publish: (type: number, payload: unknown) => {
        inner.publish(type, payload);
        if (throwing) throw failure;
      },
    } as IEventBus;
    const errors: unknown[] = [];
    reactor = await createReactor({
      models: [counterModel],
      bus,
      onError: (error) => errors.push(error),
    });
    await reactor.createDocument({ documentId: 'doc-1', documentType: counterModel.documentType });
    await reactor.start();
    const job = await reactor.submit({
      documentId: 'doc-1',
      scopes: ['global'],
      actions: [counterActions.increment(2)],
    });
    const result = await reactor.watch(job.id);
    throwing = false;
    expect(result.success).toBe(true);
    // The document's creation and the submitted job, each once.
    expect(await reactor.queue.counts()).toEqual({
      pending: 0,
      running: 0,
      completed: 2,
      failed: 0,
    });
    expect((await reactor.queue.get(job.id))?.status).toBe(JobStatus.COMPLETED);
    expect(errors).toContain(failure);
  });

  it('a listener that throws reaches onError; the job still completes', async () => {
    const errors: unknown[] = [];
    reactor = await createReactor({
      models: [counterModel],
      onError: (error) => errors.push(error),
    });
    const failure = new Error('listener broke');
    reactor.on('jobCompleted', () => {
      throw failure;
    });
    await reactor.createDocument({ documentId: 'doc-1', documentType: counterModel.documentType });
    await reactor.start();
    const job = await reactor.submit({
      documentId: 'doc-1',
      scopes: ['global'],
      actions: [counterActions.increment(1)],
    });
    expect((await reactor.watch(job.id)).success).toBe(true);
    expect((await reactor.queue.get(job.id))?.status).toBe(JobStatus.COMPLETED);
    expect(errors).toContain(failure);
  });
});
