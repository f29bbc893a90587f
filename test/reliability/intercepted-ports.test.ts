import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import { jobInput, T0 } from '../conformance/fixtures.js';
import { interceptQueue, type PortCall } from '../support/intercepted-ports.js';

function memoryQueue(): MemoryQueue {
  const clock = new SimulatedClock();
  clock.set(T0);
  return new MemoryQueue({ clock });
}

describe('intercepted ports', () => {
  it('a throw before the call leaves the adapter untouched', async () => {
    const inner = memoryQueue();
    const queue = interceptQueue(inner, {
      before: (call) => {
        if (call.method === 'enqueue') throw new Error('injected');
      },
    });
    await expect(queue.enqueue(jobInput('d', ['a']))).rejects.toThrow('injected');
    expect(await inner.counts()).toMatchObject({ pending: 0 });
  });

  it('a throw after the call loses the answer, not the effect', async () => {
    const inner = memoryQueue();
    const calls: PortCall[] = [];
    const queue = interceptQueue(inner, {
      after: (call) => {
        calls.push(call);
        if (call.method === 'enqueue') throw new Error('answer lost');
      },
    });
    await expect(queue.enqueue(jobInput('d', ['a']))).rejects.toThrow('answer lost');
    expect(await queue.counts()).toMatchObject({ pending: 1 });
    expect(calls.map((c) => c.method)).toEqual(['enqueue', 'counts']);
  });

  it('keeps optional methods optional', () => {
    const queue = interceptQueue(memoryQueue(), {});
    expect(typeof queue.claimLane).toBe(typeof new MemoryQueue({}).claimLane);
  });
});
