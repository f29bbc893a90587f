import { describe, expect, it } from 'vitest';
import { guardBus } from '../../src/adapters/guarded-bus.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import type { IEventBus } from '../../src/adapters/ports.js';
import { QueueEventTypes } from '../../src/events.js';

describe('guardBus', () => {
  it('reports a throwing publish instead of throwing, and forwards listenerCount only when the bus has it', () => {
    const errors: unknown[] = [];
    const memory = new MemoryEventBus();
    const guarded = guardBus(memory, (error) => errors.push(error));
    expect(guarded.listenerCount?.(QueueEventTypes.JOB_AVAILABLE)).toBe(0);
    const off = guarded.subscribe(QueueEventTypes.JOB_AVAILABLE, () => {});
    expect(guarded.listenerCount?.(QueueEventTypes.JOB_AVAILABLE)).toBe(1);
    off();

    const throwing: IEventBus = {
      subscribe: () => () => {},
      publish: () => {
        throw new Error('bus down');
      },
    };
    const plain = guardBus(throwing, (error) => errors.push(error));
    expect(plain.listenerCount).toBeUndefined();
    plain.publish(QueueEventTypes.JOB_AVAILABLE, {});
    expect(errors.map((e) => (e as Error).message)).toEqual(['bus down']);
  });
});
