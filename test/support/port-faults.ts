/**
 * Random faults at the ports, for the fault-injection suite: a seeded share of queue and store
 * calls fails before the adapter is called (no effect), another share fails after it answered (the
 * effect happened, the answer is lost), and some are delayed on the injected clock, a few past the
 * job timeout. Errors carry driver codes the runtime treats as transient (`ECONNRESET`,
 * `SQLITE_BUSY`, PostgreSQL `08006`), as real dropped connections and busy databases do.
 *
 * The injector also counts the real calls in flight, so a driver can step the simulated clock only
 * when no adapter call is pending (`settled()`): time moves when the process would be idle, and a
 * PostgreSQL round trip never looks like a timeout.
 */
import type { SimulatedClock } from 'xstate';
import type { Storage } from '../../src/adapters/ports.js';
import { seededRandom } from './clock.js';
import { interceptStorage, type PortCall } from './intercepted-ports.js';

export type FaultPlan = {
  seed: number;
  /** Share of calls failing before their effect. */
  failBefore: number;
  /** Share of calls failing after their effect (the answer lost). */
  failAfter: number;
  /** Share of calls delayed by up to `shortDelay` ms of the injected clock. */
  delay: number;
  shortDelay: number;
  /** Share of calls delayed by `longDelay` ms (past the job timeout). */
  longDelayShare: number;
  longDelay: number;
};

export type FaultCounts = {
  calls: number;
  failedBefore: number;
  failedAfter: number;
  delayed: number;
  delayedLong: number;
  /** Calls by port method, for the summary (`store.append 5210`). */
  byMethod: Map<string, number>;
};

const CODES = ['ECONNRESET', 'SQLITE_BUSY', '08006'] as const;

export type FaultyStorage = {
  storage: Storage;
  counts: FaultCounts;
  /** Resolves once no adapter call is in flight (delayed calls waiting on the clock do not count). */
  settled(): Promise<void>;
  /** Whether no call is in flight or waiting on its delay. */
  idle(): boolean;
};

export function injectFaults(
  storage: Storage,
  clock: SimulatedClock,
  plan: FaultPlan,
): FaultyStorage {
  const random = seededRandom(plan.seed);
  const counts: FaultCounts = {
    calls: 0,
    failedBefore: 0,
    failedAfter: 0,
    delayed: 0,
    delayedLong: 0,
    byMethod: new Map(),
  };
  let inFlight = 0;
  let delaying = 0;
  const waiters: (() => void)[] = [];
  // What was drawn for a call in `before`, read back in `after` (calls are objects, one per call).
  const failLater = new WeakSet<PortCall>();
  const started = new WeakSet<PortCall>();

  const fault = (call: PortCall, when: 'before' | 'after') => {
    const code = CODES[Math.floor(random() * CODES.length)] as string;
    return Object.assign(
      new Error(`injected fault: ${call.port}.${call.method} ${when} its effect`),
      {
        code,
      },
    );
  };
  const ended = (call: PortCall) => {
    if (!started.has(call)) return;
    started.delete(call);
    inFlight -= 1;
    if (inFlight === 0) for (const wake of waiters.splice(0)) wake();
  };

  const faulty = interceptStorage(storage, {
    async before(call) {
      const name = `${call.port}.${call.method}`;
      counts.calls += 1;
      counts.byMethod.set(name, (counts.byMethod.get(name) ?? 0) + 1);
      const r = random();
      if (r < plan.failBefore) {
        counts.failedBefore += 1;
        throw fault(call, 'before');
      }
      if (r < plan.failBefore + plan.failAfter) {
        counts.failedAfter += 1;
        failLater.add(call);
      } else if (r < plan.failBefore + plan.failAfter + plan.delay) {
        const long = random() < plan.longDelayShare;
        counts.delayed += 1;
        if (long) counts.delayedLong += 1;
        const ms = long ? plan.longDelay : 1 + Math.floor(random() * plan.shortDelay);
        delaying += 1;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
        delaying -= 1;
      }
      return begin(call);
    },
    after(call) {
      ended(call);
      if (failLater.has(call)) {
        failLater.delete(call);
        throw fault(call, 'after');
      }
    },
    failed: ended,
  });

  function begin(call: PortCall): void {
    started.add(call);
    inFlight += 1;
  }

  return {
    storage: faulty,
    counts,
    settled: () =>
      inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    idle: () => inFlight === 0 && delaying === 0,
  };
}
