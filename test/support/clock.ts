/**
 * Stepping XState's `SimulatedClock` in tests: one timer at a time, with pending promise work
 * flushed in between, so no test ever sleeps.
 */
import { SimulatedClock } from 'xstate';

type Timeout = { start: number; timeout: number };

/** Lets every pending promise chain run (event-loop turns, not wall-clock waiting). */
export async function flush(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** When the earliest pending timer is due, or undefined when none is pending. */
export function nextDue(clock: SimulatedClock): number | undefined {
  const timeouts = (clock as unknown as { timeouts: Map<number, Timeout> }).timeouts;
  let due: number | undefined;
  for (const t of timeouts.values()) {
    const at = t.start + t.timeout;
    if (due === undefined || at < due) due = at;
  }
  return due;
}

/** Fires the earliest pending timer (and any due at the same instant), then flushes. */
export async function stepTimer(clock: SimulatedClock): Promise<boolean> {
  await flush();
  const due = nextDue(clock);
  if (due === undefined) return false;
  clock.set(Math.max(due, clock.now()));
  await flush();
  return true;
}

/** Steps timers until `done()` holds; fails after `maxSteps` or when no timer is left. */
export async function runUntil(
  clock: SimulatedClock,
  done: () => boolean,
  maxSteps = 100_000,
): Promise<void> {
  await flush();
  for (let step = 0; step < maxSteps; step++) {
    if (done()) return;
    if (!(await stepTimer(clock))) {
      await flush();
      if (done()) return;
      throw new Error('runUntil: no timer pending and the condition does not hold');
    }
  }
  throw new Error(`runUntil: condition not reached after ${maxSteps} timer steps`);
}

/** Advances the clock by `ms`, firing timers one at a time on the way. */
export async function advance(clock: SimulatedClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  for (;;) {
    await flush();
    const due = nextDue(clock);
    if (due === undefined || due > end) break;
    clock.set(Math.max(due, clock.now()));
  }
  clock.set(end);
  await flush();
}

/** A seeded PRNG (mulberry32) for backoff jitter in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { SimulatedClock };
