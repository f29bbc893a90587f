/**
 * Differential property test: random sequences of queue operations run on a MemoryQueue (the
 * reference) and on a SqliteQueue must give the same answers, step by step, and leave the
 * SQLite lane bookkeeping (`job_lanes`, `blockers`) consistent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryEventBus, MemoryQueue } from '../../src/adapters/memory/index.js';
import type { Claim, IQueue } from '../../src/adapters/ports.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import type { JobInput } from '../../src/types.js';
import { jobInput, T0 } from '../conformance/fixtures.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';
import { laneBookkeepingErrors, openRaw } from '../support/sqlite-inspect.js';

const RUNS = { seed: 7, numRuns: 100 };
const DOCS = ['d0', 'd1', 'd2'];
const SCOPES = ['a', 'b', 'c'];

type Spec = { doc: number; scopes: string[]; delay?: number; bad: boolean };
type Command =
  | { kind: 'enqueue'; spec: Spec }
  | { kind: 'enqueueMany'; specs: Spec[] }
  | { kind: 'claim'; limit: number }
  | { kind: 'finish'; pick: number; how: 'complete' | 'fail' | 'halt' | 'release' }
  | { kind: 'stale'; pick: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'unhalt'; pick: number; how: 'retry' | 'skip' }
  | { kind: 'tick'; ms: number };

/** `arbitrary` one time in `n`, else `otherwise`. */
const rarely = <T, U>(n: number, arbitrary: fc.Arbitrary<T>, otherwise: U): fc.Arbitrary<T | U> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(otherwise) }, { weight: 1, arbitrary });

const spec: fc.Arbitrary<Spec> = fc.record({
  doc: fc.nat(DOCS.length - 1),
  scopes: fc.shuffledSubarray(SCOPES, { minLength: 1 }),
  delay: rarely(4, fc.integer({ min: -5, max: 40 }), undefined),
  bad: rarely(8, fc.constant(true), false),
});

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('enqueue' as const), spec }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('enqueueMany' as const),
      specs: fc.array(spec, { maxLength: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('claim' as const), limit: fc.nat(4) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('finish' as const),
      pick: fc.nat(),
      how: fc.constantFrom(
        'complete' as const,
        'complete' as const,
        'fail' as const,
        'halt' as const,
        'release' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unhalt' as const),
      pick: fc.nat(),
      how: fc.constantFrom('retry' as const, 'skip' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.nat(30) }) },
);

/** Runs `fn` and describes its outcome: the value, or the error's class and field. */
async function outcome(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error: (error as Error).name, field: (error as { field?: string }).field };
  }
}

/** One queue under test, with the claims it handed out. */
type Side = { queue: IQueue; held: Claim[]; spent: Claim[] };

describe('SqliteQueue (differential, against MemoryQueue)', () => {
  it('answers every operation as the memory queue does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60 }), async (commands) => {
        const clock = new SimulatedClock();
        clock.set(T0);
        const path = tempDbPath();
        const sqlite = createSqliteStorage(path, {
          bus: new MemoryEventBus(),
          clock,
          runnerId: 'r',
        });
        const memory = new MemoryQueue({ clock });
        const sides: Side[] = [
          { queue: memory, held: [], spent: [] },
          { queue: sqlite.queue, held: [], spent: [] },
        ];
        const known: string[] = [];
        let next = 0;
        const input = (s: Spec): JobInput => {
          const id = `j${next++}`;
          const base = jobInput(DOCS[s.doc] as string, s.scopes, {
            id,
            ...(s.delay === undefined ? {} : { runAt: clock.now() + s.delay }),
          });
          return s.bad ? ({ ...base, scopes: [] } as JobInput) : base;
        };
        try {
          for (const cmd of commands) {
            const results: unknown[] = [];
            // The same inputs for both sides.
            const inputs =
              cmd.kind === 'enqueue'
                ? [input(cmd.spec)]
                : cmd.kind === 'enqueueMany'
                  ? cmd.specs.map(input)
                  : [];
            for (const side of sides) results.push(await apply(side, cmd, inputs, known));
            expect(results[1], JSON.stringify(cmd)).toEqual(results[0]);
            const enqueued = (results[0] as { ok?: unknown }).ok;
            if (cmd.kind === 'enqueue' || cmd.kind === 'enqueueMany') {
              for (const id of [enqueued ?? []].flat() as string[]) known.push(id);
            }
            if (cmd.kind === 'tick') clock.increment(cmd.ms);
            const states = await Promise.all(
              sides.map(async ({ queue }) => ({
                counts: await queue.counts(),
                backlog: await queue.backlog(),
                nextRunAt: await queue.nextRunAt(),
                blocked: await queue.blockedLanes(),
              })),
            );
            expect(states[1]).toEqual(states[0]);
          }
          for (const id of known) {
            expect(await sqlite.queue.get(id)).toEqual(await memory.get(id));
          }
          const db = openRaw(path);
          try {
            expect(laneBookkeepingErrors(db)).toEqual([]);
          } finally {
            db.close();
          }
        } finally {
          await sqlite.close();
          removeDb(path);
        }
      }),
      RUNS,
    );
  });
});

async function apply(
  side: Side,
  cmd: Command,
  inputs: JobInput[],
  known: string[],
): Promise<unknown> {
  const { queue, held } = side;
  switch (cmd.kind) {
    case 'enqueue':
      return outcome(async () => (await queue.enqueue(inputs[0] as JobInput)).id);
    case 'enqueueMany':
      return outcome(async () => (await queue.enqueueMany(inputs)).map((job) => job.id));
    case 'claim':
      return outcome(async () => {
        const claims = await queue.claim('r', cmd.limit);
        held.push(...claims);
        return claims.map((c) => [c.job.id, c.job.attempts, c.job.status]);
      });
    case 'finish': {
      if (held.length === 0) return 'none held';
      const [claim] = held.splice(cmd.pick % held.length, 1) as [Claim];
      side.spent.push(claim);
      const r = { jobId: claim.job.id, token: claim.token };
      const failure = { attempts: claim.job.attempts, errorCode: 90005, errorMessage: 'boom' };
      return outcome(async () => {
        if (cmd.how === 'complete') await queue.complete(r, claim.job.attempts);
        else if (cmd.how === 'release') await queue.release(r, claim.job.attempts - 1);
        else await queue.fail(r, { ...failure, halt: cmd.how === 'halt' });
        return claim.job.id;
      });
    }
    case 'stale': {
      if (side.spent.length === 0) return 'none spent';
      const claim = side.spent[cmd.pick % side.spent.length] as Claim;
      return outcome(() => queue.complete({ jobId: claim.job.id, token: claim.token }, 1));
    }
    case 'cancel':
      if (known.length === 0) return 'none known';
      return outcome(() => queue.cancel(known[cmd.pick % known.length] as string));
    case 'unhalt': {
      if (known.length === 0) return 'none known';
      const id = known[cmd.pick % known.length] as string;
      return outcome(() => (cmd.how === 'retry' ? queue.retry(id) : queue.skip(id)));
    }
    case 'tick':
      return 'tick';
  }
}
