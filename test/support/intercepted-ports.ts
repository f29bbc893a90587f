/**
 * Port decorators for fault and crash injection: every call of a queue or operation store method
 * passes through an interceptor `before` it reaches the adapter (a throw there means the call never
 * took effect) and `after` it returned (a throw there means it took effect but the answer is lost).
 * Faults come from adapter decorators, never from test-only public options.
 */
import type { IOperationStore, IQueue, Storage } from '../../src/adapters/ports.js';

export type PortName = 'queue' | 'store';

/** One call through an intercepted port. */
export type PortCall = { port: PortName; method: string; args: unknown[] };

export type PortInterceptor = {
  /** Runs before the adapter is called; throwing (or rejecting) fails the call without effect. */
  before?(call: PortCall): void | Promise<void>;
  /** Runs after the adapter answered; throwing fails the call after it took effect. */
  after?(call: PortCall, result: unknown): void | Promise<void>;
  /** Runs when the adapter itself threw (or rejected); the error is rethrown after it. */
  failed?(call: PortCall, error: unknown): void;
};

// Not intercepted: life-cycle calls, which the tests drive themselves, and `abandon`, the one
// synchronous port method (a hint that stops heartbeats), which must stay synchronous.
const PASS_THROUGH: ReadonlySet<PropertyKey> = new Set(['abandon', 'close', 'constructor', 'then']);

function intercept<T extends object>(port: PortName, inner: T, interceptor: PortInterceptor): T {
  return new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || PASS_THROUGH.has(property)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      const method = String(property);
      return async (...args: unknown[]) => {
        const call: PortCall = { port, method, args };
        await interceptor.before?.(call);
        let result: unknown;
        try {
          result = await (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          interceptor.failed?.(call, error);
          throw error;
        }
        await interceptor.after?.(call, result);
        return result;
      };
    },
  });
}

/** `inner` with every method call passed through `interceptor`. */
export function interceptQueue(inner: IQueue, interceptor: PortInterceptor): IQueue {
  return intercept('queue', inner, interceptor);
}

/** `inner` with every method call passed through `interceptor`. */
export function interceptStore(
  inner: IOperationStore,
  interceptor: PortInterceptor,
): IOperationStore {
  return intercept('store', inner, interceptor);
}

/** `storage` with its queue and operation store intercepted (reaper, start, close untouched). */
export function interceptStorage(storage: Storage, interceptor: PortInterceptor): Storage {
  return {
    ...storage,
    queue: interceptQueue(storage.queue, interceptor),
    store: interceptStore(storage.store, interceptor),
    ...(storage.start === undefined ? {} : { start: () => storage.start!() }),
    close: () => storage.close(),
  };
}
