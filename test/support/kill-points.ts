/**
 * Deterministic crash points for the crash tests: a worker given `killAt: 'store.append:after:37'`
 * SIGKILLs its own process right after the 37th of its `store.append` calls that returned (the
 * write committed, the claim not ended yet); `before` kills it right before the 37th call reaches
 * the adapter.
 * Points are drawn from a seeded PRNG, so a run is reproducible from its seed.
 */
import type { Storage } from '../../src/adapters/ports.js';
import { interceptStorage, type PortName } from './intercepted-ports.js';

export type KillWhen = 'before' | 'after';

/**
 * SIGKILL right `when` the `call`-th call (from 1, counted in this process) of `port.method`:
 * `before` counts the calls made, `after` the calls that returned (a call that throws, e.g. a
 * write conflict, has no "after").
 */
export type KillPoint = { port: PortName; method: string; when: KillWhen; call: number };

/** `store.append:after:37` */
export function formatKillPoint(point: KillPoint): string {
  return `${point.port}.${point.method}:${point.when}:${point.call}`;
}

/** The inverse of {@link formatKillPoint}; throws naming the expected form. */
export function parseKillPoint(spec: string): KillPoint {
  const match = /^(queue|store)\.([A-Za-z]+):(before|after):([1-9][0-9]*)$/.exec(spec);
  if (match === null) {
    throw new Error(
      `killAt: expected <queue|store>.<method>:<before|after>:<call from 1>, e.g. 'store.append:after:37', got ${JSON.stringify(spec)}`,
    );
  }
  const [, port, method, when, call] = match as unknown as [
    string,
    PortName,
    string,
    KillWhen,
    string,
  ];
  return { port, method, when, call: Number(call) };
}

/**
 * `storage` with its queue and store counting calls per method; at `point` the process SIGKILLs
 * itself (nothing after it runs: no `finally`, no flush, no exit handler). `calls` is the count of
 * calls made so far, by `port.method`. Without a point, `storage` itself (untouched, nothing counted).
 */
export function withKillPoint<S extends Storage>(
  storage: S,
  point: KillPoint | undefined,
): { storage: S; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  if (point === undefined) return { storage, calls };
  const target = `${point.port}.${point.method}`;
  const at = (name: string, when: KillWhen, n: number) => {
    if (name === target && when === point.when && n === point.call) {
      process.kill(process.pid, 'SIGKILL');
    }
  };
  const returned = new Map<string, number>();
  const intercepted = interceptStorage(storage, {
    before(call) {
      const name = `${call.port}.${call.method}`;
      const n = (calls.get(name) ?? 0) + 1;
      calls.set(name, n);
      at(name, 'before', n);
    },
    after(call) {
      const name = `${call.port}.${call.method}`;
      const n = (returned.get(name) ?? 0) + 1;
      returned.set(name, n);
      at(name, 'after', n);
    },
  });
  // The concrete parts beside queue and store (reaper, path, …) stay reachable, not intercepted.
  return { storage: { ...storage, ...intercepted } as S, calls };
}

/** Where a kill can land, and how many calls of that method a run makes per job, about. */
export type KillSite = { port: PortName; method: string; when: KillWhen; callsPerJob: number };

/**
 * The port boundaries the crash tests kill at. `store.append:after` is the write committed with the
 * claim not ended; `queue.complete:after` the claim ended before the runtime heard of it.
 * `callsPerJob` (measured over the crash workload) keeps a drawn call number inside the work a
 * process does before the run ends.
 */
export const KILL_SITES: readonly KillSite[] = [
  { port: 'store', method: 'append', when: 'after', callsPerJob: 1 },
  { port: 'queue', method: 'complete', when: 'after', callsPerJob: 1 },
  { port: 'store', method: 'append', when: 'before', callsPerJob: 1 },
  { port: 'queue', method: 'complete', when: 'before', callsPerJob: 1 },
  { port: 'queue', method: 'claim', when: 'after', callsPerJob: 0.1 },
  { port: 'queue', method: 'claimLane', when: 'after', callsPerJob: 1 },
  { port: 'queue', method: 'fail', when: 'before', callsPerJob: 0.01 },
  { port: 'queue', method: 'fail', when: 'after', callsPerJob: 0.01 },
];

/** Kill sites of a producer that enqueues its jobs in `enqueueMany` batches of `batchSize`. */
export function producerKillSites(batchSize: number): KillSite[] {
  return (['before', 'after'] as const).map((when) => ({
    port: 'queue',
    method: 'enqueueMany',
    when,
    callsPerJob: 1 / batchSize,
  }));
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` kill points for a run of `jobs` jobs, one per process that is killed: the first
 * two are always `store.append:after` and `queue.complete:after` (the two windows where a job's
 * effect is durable but its end is not reported), the others drawn among `among`; the
 * order is shuffled. Each call number is at most `jobs / (count + 2)` jobs' worth of calls, so that
 * the points together stay within the run and each is hit.
 */
export function drawKillPoints(
  seed: number,
  count: number,
  jobs: number,
  among: readonly KillSite[] = KILL_SITES,
): KillPoint[] {
  const random = seededRandom(seed);
  const pick = (i: number) => Math.floor(random() * i);
  const sites: KillSite[] = [KILL_SITES[0] as KillSite, KILL_SITES[1] as KillSite];
  while (sites.length < count) sites.push(among[pick(among.length)] as KillSite);
  for (let i = sites.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [sites[i], sites[j]] = [sites[j] as KillSite, sites[i] as KillSite];
  }
  const budget = jobs / (count + 2);
  return sites.slice(0, count).map(({ port, method, when, callsPerJob }) => {
    const max = Math.max(1, Math.floor(budget * callsPerJob));
    // Not in the first tenth of the budget: let the process get under way first.
    const min = Math.max(1, Math.floor(max / 10));
    return { port, method, when, call: min + pick(max - min + 1) };
  });
}

/** The seed of this run: `SERIATIM_CRASH_SEED` (decimal or 0x hex) or `fallback`. */
export function crashSeed(fallback: number): number {
  const raw = process.env.SERIATIM_CRASH_SEED?.trim();
  if (!raw) return fallback;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(
      `SERIATIM_CRASH_SEED: expected a non-negative integer, got ${JSON.stringify(raw)}`,
    );
  }
  return seed;
}
