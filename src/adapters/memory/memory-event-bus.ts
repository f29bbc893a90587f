/**
 * The in-process event bus.
 * @module
 */
import type { EventPayloads } from '../../events.js';
import type { EventHandler, IEventBus } from '../ports.js';

/** Options of {@link MemoryEventBus}. */
export type MemoryEventBusOptions = {
  /**
   * Told about a handler that threw or whose promise rejected; the error goes no further.
   * @default a no-op
   */
  onHandlerError?: (error: unknown, type: number, payload: unknown) => void;
};

const noop = (): void => {};

/**
 * Publish/subscribe in one process. `publish` calls the handlers of the type synchronously, in
 * subscription order; a handler that throws or rejects is reported to `onHandlerError` and
 * affects neither the publisher nor the other handlers. Unsubscribing (or subscribing) during a
 * publish is safe: the handler list is copied on write, so a publish in progress is unaffected.
 *
 * @example
 * const bus = new MemoryEventBus({ onHandlerError: (error) => console.error(error) });
 * const off = bus.subscribe(EventTypes.JOB_AVAILABLE, ({ jobId }) => wake(jobId));
 * bus.publish(EventTypes.JOB_AVAILABLE, { jobId: 'job-1' });
 * off();
 */
export class MemoryEventBus implements IEventBus {
  // Replaced, never mutated, on every subscribe/unsubscribe (copy on write).
  readonly #handlers = new Map<number, readonly EventHandler[]>();
  readonly #onHandlerError: (error: unknown, type: number, payload: unknown) => void;

  constructor(options: MemoryEventBusOptions = {}) {
    this.#onHandlerError = options.onHandlerError ?? noop;
  }

  /** Calls `handler` for every event of `type` until the returned function is called. */
  subscribe<K extends keyof EventPayloads>(
    type: K,
    handler: EventHandler<EventPayloads[K]>,
  ): () => void;
  subscribe(type: number, handler: EventHandler): () => void;
  subscribe(type: number, handler: EventHandler<never>): () => void {
    const entry = handler as EventHandler;
    this.#handlers.set(type, [...(this.#handlers.get(type) ?? []), entry]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const list = this.#handlers.get(type);
      if (list === undefined) return;
      const at = list.indexOf(entry);
      if (at === -1) return;
      if (list.length === 1) this.#handlers.delete(type);
      else this.#handlers.set(type, [...list.slice(0, at), ...list.slice(at + 1)]);
    };
  }

  /** Calls the handlers of `type` now; never waits for their async work. */
  publish<K extends keyof EventPayloads>(type: K, payload: EventPayloads[K]): void;
  publish(type: number, payload: unknown): void;
  publish(type: number, payload: unknown): void {
    const list = this.#handlers.get(type);
    if (list === undefined) return;
    for (const handler of list) {
      try {
        const result = handler(payload, type);
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).then(undefined, (error: unknown) =>
            this.#report(error, type, payload),
          );
        }
      } catch (error) {
        this.#report(error, type, payload);
      }
    }
  }

  /** Number of handlers subscribed to `type`. */
  listenerCount(type: number): number {
    return this.#handlers.get(type)?.length ?? 0;
  }

  #report(error: unknown, type: number, payload: unknown): void {
    try {
      this.#onHandlerError(error, type, payload);
    } catch {
      // The error reporter itself failed: there is nobody left to tell.
    }
  }
}
