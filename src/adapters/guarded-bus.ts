/**
 * A bus whose `publish` cannot throw. Adapters publish `jobAvailable` after a write took effect;
 * a custom `IEventBus` that throws there (against its contract, README: Storage adapters) would
 * turn a committed enqueue or end of a claim into a rejected call, and a caller retrying it would
 * enqueue twice. `createReactor` wraps a bus it is given with this, reporting to its `onError`.
 * @module
 */
import type { EventHandler, IEventBus } from './ports.js';

export function guardBus(bus: IEventBus, onError: (error: unknown) => void): IEventBus {
  const guarded: IEventBus = {
    subscribe: (type: number, handler: EventHandler) => bus.subscribe(type, handler),
    publish: (type: number, payload: unknown) => {
      try {
        bus.publish(type, payload);
      } catch (error) {
        try {
          onError(error);
        } catch {
          // The reporter failed as well: nobody is left to tell, and the write stands.
        }
      }
    },
  } as IEventBus;
  // Forwarded only when the bus has it: without it, every event is published.
  if (bus.listenerCount !== undefined) {
    guarded.listenerCount = (type: number) => bus.listenerCount!(type);
  }
  return guarded;
}
