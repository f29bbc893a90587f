import { describe, expect, it, vi } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { EventTypes } from '../../src/events.js';

const AVAILABLE = EventTypes.JOB_AVAILABLE;

describe('MemoryEventBus', () => {
  it('delivers a payload synchronously to the handlers of its type, in subscription order', () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    bus.subscribe(AVAILABLE, (payload, type) => {
      seen.push(`first:${payload.jobId}:${type}`);
    });
    bus.subscribe(AVAILABLE, (payload) => {
      seen.push(`second:${payload.jobId}`);
    });
    bus.subscribe(EventTypes.JOB_STARTED, () => {
      seen.push('other type');
    });
    bus.publish(AVAILABLE, { jobId: 'j1' });
    expect(seen).toEqual([`first:j1:${AVAILABLE}`, 'second:j1']);
  });

  it('stops delivering after unsubscribe, which is idempotent', () => {
    const bus = new MemoryEventBus();
    const handler = vi.fn();
    const off = bus.subscribe(AVAILABLE, handler);
    off();
    off();
    bus.publish(AVAILABLE, {});
    expect(handler).not.toHaveBeenCalled();
    expect(bus.listenerCount(AVAILABLE)).toBe(0);
  });

  it('removes one subscription per unsubscribe when a handler is subscribed twice', () => {
    const bus = new MemoryEventBus();
    const handler = vi.fn();
    const off = bus.subscribe(AVAILABLE, handler);
    bus.subscribe(AVAILABLE, handler);
    off();
    bus.publish(AVAILABLE, {});
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('lets a handler unsubscribe others during a publish without skipping anyone', () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    const offs: (() => void)[] = [];
    offs.push(
      bus.subscribe(AVAILABLE, () => {
        seen.push('a');
        for (const off of offs) off();
      }),
    );
    for (const name of ['b', 'c']) {
      offs.push(
        bus.subscribe(AVAILABLE, () => {
          seen.push(name);
        }),
      );
    }
    bus.publish(AVAILABLE, {});
    expect(seen).toEqual(['a', 'b', 'c']);
    bus.publish(AVAILABLE, {});
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('does not call a handler subscribed during the publish until the next one', () => {
    const bus = new MemoryEventBus();
    const late = vi.fn();
    bus.subscribe(AVAILABLE, () => {
      bus.subscribe(AVAILABLE, late);
    });
    bus.publish(AVAILABLE, {});
    expect(late).not.toHaveBeenCalled();
    bus.publish(AVAILABLE, {});
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('reports a throwing handler and still calls the others', () => {
    const errors: unknown[] = [];
    const bus = new MemoryEventBus({ onHandlerError: (error) => errors.push(error) });
    const boom = new Error('boom');
    const after = vi.fn();
    bus.subscribe(AVAILABLE, () => {
      throw boom;
    });
    bus.subscribe(AVAILABLE, after);
    expect(() => bus.publish(AVAILABLE, {})).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([boom]);
  });

  it('reports a rejected handler promise without waiting for it', async () => {
    let resolve: (report: [unknown, number, unknown]) => void = () => {};
    const reported = new Promise<[unknown, number, unknown]>((r) => {
      resolve = r;
    });
    const bus = new MemoryEventBus({
      onHandlerError: (error, type, payload) => resolve([error, type, payload]),
    });
    const reason = new Error('async boom');
    bus.subscribe(AVAILABLE, async () => {
      throw reason;
    });
    const payload = { jobId: 'j' };
    bus.publish(AVAILABLE, payload);
    expect(await reported).toEqual([reason, AVAILABLE, payload]);
  });

  it('swallows errors by default and survives a throwing reporter', async () => {
    const quiet = new MemoryEventBus();
    quiet.subscribe(AVAILABLE, () => {
      throw new Error('x');
    });
    quiet.subscribe(AVAILABLE, () => Promise.reject(new Error('y')));
    expect(() => quiet.publish(AVAILABLE, {})).not.toThrow();
    const loud = new MemoryEventBus({
      onHandlerError: () => {
        throw new Error('reporter');
      },
    });
    loud.subscribe(AVAILABLE, () => {
      throw new Error('x');
    });
    expect(() => loud.publish(AVAILABLE, {})).not.toThrow();
    // Let the rejected promise settle: an unhandled rejection would fail the run.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('accepts a publish with no subscribers', () => {
    const bus = new MemoryEventBus();
    expect(() => bus.publish(12345, { anything: true })).not.toThrow();
  });
});
