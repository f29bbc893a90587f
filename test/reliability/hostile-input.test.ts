/**
 * Hostile input (see README, Semantics, "Identifiers and limits"): malformed job inputs of every
 * kind, through `reactor.submit` and `queue.enqueueMany`, on the memory, SQLite and PostgreSQL
 * adapters. Each is rejected with the same `JobValidationError` (same field, same message) on
 * every adapter, nothing crashes, nothing is enqueued, and no prototype is polluted. Valid
 * generated inputs come back from `queue.get` equal to their copy on every adapter.
 *
 * Runs: 10,000 malformed inputs (each through both paths on every adapter) and 150 valid ones;
 * PostgreSQL takes all of them when `SERIATIM_PG_URL` is set (a rejected input never reaches it).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReactor, type Reactor } from '../../src/create-reactor.js';
import { JobValidationError } from '../../src/errors.js';
import { counterModel } from '../../src/examples/index.js';
import { walkedBytes } from '../../src/json-data.js';
import type { Action, JobInput } from '../../src/types.js';
import { JOB_LIMITS, prepareJobInput } from '../../src/validate-job.js';
import { SimulatedClock } from '../support/clock.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const MALFORMED_RUNS = 10_000;
const VALID_RUNS = 150;
const TS = '2024-05-01T12:00:00.000Z';

type Adapter = { name: string; reactor: Reactor };
const adapters: Adapter[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const clock = () => {
    const c = new SimulatedClock();
    c.set(1_700_000_000_000);
    return c;
  };
  adapters.push({
    name: 'memory',
    reactor: await createReactor({ models: [counterModel], clock: clock() }),
  });
  const path = tempDbPath();
  adapters.push({
    name: 'sqlite',
    reactor: await createReactor({
      models: [counterModel],
      clock: clock(),
      storage: { sqlite: path },
    }),
  });
  cleanups.push(async () => removeDb(path));
  if (hasPostgres) {
    const schema = schemaName('hostile');
    adapters.push({
      name: 'postgres',
      reactor: await createReactor({
        models: [counterModel],
        clock: clock(),
        storage: (ctx) => openStorage(schema, ctx),
      }),
    });
    cleanups.push(async () => {
      await dropSchema(schema);
      await closeAdmin();
    });
  }
});

afterAll(async () => {
  for (const { reactor } of adapters) await reactor.close();
  for (const cleanup of cleanups) await cleanup();
});

// ─── malformed inputs ──────────────────────────────────────────────────────────────────────────

function action(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: 'INCREMENT', scope: 'global', input: { by: 1 }, timestampUtcMs: TS, ...extra };
}

function base(): Record<string, unknown> {
  return {
    documentId: 'doc-1',
    scopes: ['global'],
    actions: [action('a-0'), action('a-1'), action('a-2')],
    meta: { tag: 'x' },
  };
}

function getter(value: () => unknown): object {
  return Object.defineProperty({}, 'field', { get: value, enumerable: true });
}

const throwingProxy = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new RangeError('trap');
      },
    },
  );

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { v: value };
  return value;
}

function cyclic(): unknown {
  const a: Record<string, unknown> = { b: { c: [1] } };
  ((a.b as Record<string, unknown>).c as unknown[]).push(a);
  return a;
}

/** `items` with a hole at `index`. */
function holey(items: unknown[], index: number): unknown[] {
  const copy = items.slice();
  delete copy[index];
  return copy;
}

class Point {
  x = 1;
}

const HUGE = 'x'.repeat(JOB_LIMITS.maxJobBytes);

/** Payload values JSON cannot carry as they are (or that would be read twice). */
const badData: (() => unknown)[] = [
  () => cyclic(),
  () => 12n,
  () => Symbol('s'),
  () => () => 1,
  () => ({ toJSON: () => ({ by: 1 }) }),
  () => getter(() => 1000),
  () =>
    getter(() => {
      throw new TypeError('getter');
    }),
  () => throwingProxy(),
  () => new Proxy({ by: 1 }, {}),
  () => holey([1, 2, 3], 1),
  () => [1, undefined],
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => new Date(0),
  () => new Map([[1, 2]]),
  () => new Point(),
  () => nested(JOB_LIMITS.maxDepth + 1),
  () => HUGE,
  () => 'lone\ud800',
  () => 'nul\u0000',
  () => ({ [Symbol('k')]: 1 }),
  () => ({ 'lone\udc00': 1 }),
  () => Object.defineProperty({}, 'hidden', { value: 1, enumerable: false }),
  () =>
    JSON.parse('{"__proto__": {"polluted": 1}, "bad": null}') && { __proto__: null, f: () => 1 },
  () => Object.assign(JSON.parse('{"__proto__": {"polluted": 1}}'), { bad: 1n }),
];

/** Values an identifier may not be. */
const badIds: (() => unknown)[] = [
  () => '',
  () => 7,
  () => null,
  () => ['a'],
  () => ({}),
  () => 'lone\ud800',
  () => '\udc00x',
  () => 'a\u0000b',
  () => 'global\u0000main',
  () => 'tab\there',
  () => 'del\u007f',
  () => 'c1\u0085',
  () => 'x'.repeat(JOB_LIMITS.maxIdBytes + 1),
  () => 'é'.repeat(JOB_LIMITS.maxIdBytes / 2 + 1),
  () => 12n,
  () => Symbol('id'),
];

const badTimestamps: unknown[] = [
  'yesterday',
  1_700_000_000_000,
  '2024-13-01T00:00:00.000Z',
  '2024-01-01T24:00:01.000Z',
  '2024-01-01 12:00',
  '',
  'lone\ud800',
  null,
];

type Mutation = (input: Record<string, unknown>, pick: number) => unknown;

const at = <T>(list: readonly T[], pick: number): T => list[pick % list.length] as T;
const actions = (input: Record<string, unknown>) => input.actions as Record<string, unknown>[];

const mutations: Mutation[] = [
  // The input itself.
  (_input, pick) => at([null, 'job', 5, [], new Date(0), throwingProxy(), () => 1], pick),
  (input) => new Proxy(input, {}),
  // Top-level keys.
  (input, pick) => ({ ...input, [at(['priority', 'constructor', 'k'.repeat(100_000)], pick)]: 1 }),
  (input) => Object.defineProperty(input, '__proto__', { value: {}, enumerable: true }),
  (input) => JSON.parse(`{"__proto__": {"polluted": 1}, ${JSON.stringify(input).slice(1)}`),
  (input) => Object.assign(input, { [Symbol('x')]: 1 }),
  (input) =>
    Object.defineProperty(input, 'documentId', {
      get() {
        throw new Error('getter');
      },
      enumerable: true,
    }),
  // Identifiers.
  (input, pick) => ({ ...input, documentId: at(badIds, pick)() }),
  (input, pick) => ({ ...input, id: at(badIds, pick)() }),
  (input, pick) => ({ ...input, branch: at(badIds, pick)() }),
  (input, pick) => ({ ...input, scopes: ['global', at(badIds, pick)()] }),
  (input, pick) => ({
    ...input,
    scopes: at([[], 'global', ['global', 'global'], holey(['x', 'global'], 0)], pick),
  }),
  (input, pick) => {
    actions(input)[pick % 3] = action('a', { id: at(badIds, pick)() });
    return input;
  },
  (input, pick) => {
    actions(input)[pick % 3] = action(`a-${pick % 3}`, { type: at(badIds, pick)() });
    return input;
  },
  (input, pick) => {
    actions(input)[2] = action('a-0'); // a duplicate action id
    return pick % 2 === 0 ? input : { ...input, actions: [] };
  },
  // Integers.
  (input, pick) => ({
    ...input,
    runAt: at([1.5, -1e300, 8.64e15 + 1, Number.NaN, '2024', 1n], pick),
  }),
  (input, pick) => ({ ...input, maxRetries: at([3e9, -1, 1.5, 2 ** 31, '3', null], pick) }),
  (input, pick) => ({ ...input, resultingHash: at([42, '', 'h\u0000', 'lone\ud800'], pick) }),
  // Actions.
  (input, pick) => {
    actions(input)[pick % 3] = action(`a-${pick % 3}`, { timestampUtcMs: at(badTimestamps, pick) });
    return input;
  },
  (input, pick) => {
    const { input: _dropped, ...rest } = action(`a-${pick % 3}`);
    actions(input)[pick % 3] = pick % 2 === 0 ? rest : { ...rest, input: undefined };
    return input;
  },
  (input, pick) => {
    actions(input)[pick % 3] = action(`a-${pick % 3}`, { scope: at(['local', '', 7], pick) });
    return input;
  },
  (input, pick) => ({
    ...input,
    actions: [action('a-0'), at([null, 'SET', [], new Point()], pick)],
  }),
  (input) => ({ ...input, actions: holey([action('a-0'), action('a-1'), action('a-2')], 1) }),
  // Payloads.
  (input, pick) => {
    actions(input)[pick % 3] = action(`a-${pick % 3}`, {
      input: { items: [1, 2, 3, at(badData, pick)()] },
    });
    return input;
  },
  (input, pick) => {
    actions(input)[pick % 3] = action(`a-${pick % 3}`, { context: { extra: at(badData, pick)() } });
    return input;
  },
  (input, pick) => {
    actions(input)[0] = action('a-0', {
      context: { signer: at([{ publicKey: 'k' }, 'k', null], pick) },
    });
    return input;
  },
  (input, pick) => ({ ...input, meta: { nested: { value: at(badData, pick)() } } }),
  (input, pick) => ({ ...input, meta: at([[1], 'meta', new Date(0), throwingProxy()], pick) }),
  (input, pick) => {
    actions(input)[1] = action('a-1', { other: at(badData, pick)() });
    return input;
  },
  // Over the size limit as a whole, each part under it.
  (input) => ({ ...input, meta: { a: HUGE.slice(0, 600_000), b: HUGE.slice(0, 600_000) } }),
];

type Outcome = { name: string; field?: string; message: string };

async function outcome(attempt: () => Promise<unknown>): Promise<Outcome> {
  try {
    await attempt();
    return { name: 'accepted', message: '' };
  } catch (error) {
    if (error instanceof JobValidationError) {
      return { name: error.name, field: error.field, message: error.message };
    }
    return { name: `not a JobValidationError: ${String(error)}`, message: String(error) };
  }
}

function prototypesClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

describe('hostile input', () => {
  it(`rejects ${MALFORMED_RUNS} malformed inputs identically on every adapter, enqueuing nothing`, async () => {
    const byMutation = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat(mutations.length - 1), fc.nat(1000), async (which, pick) => {
        byMutation.set(which, (byMutation.get(which) ?? 0) + 1);
        const make = () => (mutations[which] as Mutation)(base(), pick);
        const outcomes: Record<string, [Outcome, Outcome]> = {};
        for (const { name, reactor } of adapters) {
          // A fresh input per call: a mutation may have built it from stateful parts.
          const submitted = await outcome(() => reactor.submit(make() as JobInput));
          const batched = await outcome(() =>
            reactor.queue.enqueueMany([base() as JobInput, make() as JobInput]),
          );
          outcomes[name] = [submitted, batched];
        }
        const [first] = Object.values(outcomes);
        for (const [name, got] of Object.entries(outcomes)) {
          expect(got, name).toEqual(first);
        }
        const [submitted, batched] = first as [Outcome, Outcome];
        expect(submitted.name).toBe('JobValidationError');
        expect(batched.name).toBe('JobValidationError');
        expect(batched.message.endsWith('(batch input 1)')).toBe(true);
        // Messages stay short whatever the input holds.
        expect(submitted.message.length).toBeLessThan(600);
      }),
      { seed: 11, numRuns: MALFORMED_RUNS },
    );
    expect(byMutation.size).toBe(mutations.length);
    prototypesClean();
    for (const { name, reactor } of adapters) {
      expect(await reactor.queue.counts(), name).toEqual({
        pending: 0,
        running: 0,
        completed: 0,
        failed: 0,
      });
    }
  });

  it('neutralises a value that shows one thing to a verifier and another to the reducer', async () => {
    let reads = 0;
    const twoFaced = Object.defineProperty({}, 'by', {
      get: () => (++reads === 1 ? 1 : 1000),
      enumerable: true,
    });
    for (const { name, reactor } of adapters) {
      for (const [input, field] of [
        [twoFaced, 'actions[0].input.by'],
        [{ by: 1, toJSON: () => ({ by: 1 }) }, 'actions[0].input.toJSON'],
      ] as const) {
        const job = { ...base(), actions: [action('a-0', { input })] };
        const error = await outcome(() => reactor.submit(job as unknown as JobInput));
        expect(error, name).toMatchObject({
          name: 'JobValidationError',
          field,
        });
      }
    }
    expect(reads).toBe(0); // the getter was never called
  });
});

// ─── valid inputs ──────────────────────────────────────────────────────────────────────────────

/** JSON data as storage keeps it: no U+0000, no lone surrogate (both are rejected). */
function clean(value: unknown): unknown {
  if (typeof value === 'string') {
    return (value as unknown as { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '');
  }
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      Object.defineProperty(out, clean(key) as string, {
        value: clean(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

const data = fc.jsonValue({ maxDepth: 3 }).map(clean);
const ident = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: identifiers may not hold them
  .filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s) && Buffer.byteLength(s) <= 512);

const validInput = fc
  .record(
    {
      id: ident,
      documentId: ident,
      branch: ident,
      inputs: fc.array(data, { minLength: 1, maxLength: 3 }),
      context: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'k'), data),
      meta: fc.dictionary(fc.string(), data).map(clean),
      maxRetries: fc.integer({ min: 0, max: JOB_LIMITS.maxRetries }),
      runAt: fc.integer({ min: -JOB_LIMITS.maxRunAt, max: JOB_LIMITS.maxRunAt }),
    },
    { requiredKeys: ['documentId', 'inputs'] },
  )
  .map(({ inputs, context, ...rest }) => ({
    ...rest,
    id: rest.id === undefined ? undefined : `${rest.id}-${Math.random()}`,
    scopes: ['global'],
    actions: inputs.map(
      (input, i): Action => ({
        id: `a-${i}`,
        type: 'INCREMENT',
        scope: 'global',
        input,
        timestampUtcMs: TS,
        ...(context !== undefined && Object.keys(context).length > 0
          ? { context: clean(context) as Action['context'] }
          : {}),
      }),
    ),
  }));

describe('valid input', () => {
  it('is accepted, copied and read back equal to the copy on every adapter', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(validInput, async (generated) => {
        const input = { ...generated, id: `job-${n++}` } as JobInput;
        const copy = prepareJobInput(input);
        // The walk counts the JSON the copy makes, byte for byte.
        expect(walkedBytes()).toBe(Buffer.byteLength(JSON.stringify(copy)));
        expect(copy).toEqual(JSON.parse(JSON.stringify(input)));
        expect(copy.actions).not.toBe(input.actions);
        for (const { name, reactor } of adapters) {
          const job = await reactor.submit(input);
          const stored = await reactor.queue.get(job.id);
          expect(stored, name).toMatchObject({ ...copy, branch: copy.branch ?? 'main' });
          expect(stored?.actions, name).toEqual(copy.actions);
          expect(stored?.meta, name).toEqual(copy.meta);
          await reactor.scheduler.cancel(job.id);
        }
        prototypesClean();
      }),
      { seed: 12, numRuns: VALID_RUNS },
    );
  });

  it('takes a job of exactly JOB_LIMITS.maxJobBytes of JSON, and refuses one byte more', async () => {
    const input = { ...base(), meta: { pad: '' } } as unknown as JobInput;
    const size = Buffer.byteLength(JSON.stringify(prepareJobInput(input)));
    const fill = (n: number) => ({
      ...input,
      meta: { pad: 'é'.repeat(n / 2) + 'x'.repeat(n % 2) },
    });
    const room = JOB_LIMITS.maxJobBytes - size;
    expect(() => prepareJobInput(fill(room))).not.toThrow();
    expect(() => prepareJobInput(fill(room + 1))).toThrow(
      expect.objectContaining({ field: 'meta.pad' }) as unknown as Error,
    );
  });
});
