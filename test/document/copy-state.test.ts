import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyState } from '../../src/document/copy-state.js';

/** The outcome of a copy: the value, or the error's name and message. */
function outcome(copy: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: copy() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

describe('copyState', () => {
  it('gives what structuredClone gives, or throws what it throws, for any value', () => {
    const anything = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withBigInt: true,
      withUnicodeString: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(anything, (value) => {
        const copied = outcome(() => copyState(value));
        const cloned = outcome(() => structuredClone(value));
        expect(copied.error).toBe(cloned.error);
        // Strict: prototypes, holes, -0 and own properties compared. Values not equal to their
        // own clone (an invalid Date: its NaN time) are structuredClone's anyway.
        if (cloned.error === undefined && isDeepStrictEqual(cloned.value, structuredClone(value))) {
          expect(isDeepStrictEqual(copied.value, cloned.value)).toBe(true);
        }
        if (value !== null && typeof value === 'object') expect(copied.value).not.toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('never shares an object with its input, so a reducer may mutate the copy', () => {
    const state = { count: 1, nested: { list: [{ a: 1 }, 'x', null, undefined, 2n] } };
    const copy = copyState(state);
    expect(copy).toStrictEqual(state);
    copy.nested.list.push(null);
    (copy.nested.list[0] as { a: number }).a = 9;
    expect(state.nested.list).toHaveLength(5);
    expect(state.nested.list[0]).toEqual({ a: 1 });
  });

  it('keeps shared and cyclic references, own __proto__ keys, array extras and functions as structuredClone does', () => {
    const shared = { n: 1 };
    const aliased = copyState({ a: shared, b: shared });
    expect(aliased.a).toBe(aliased.b); // one object in the copy too
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    const copy = copyState(cyclic);
    expect(copy.self).toBe(copy);
    const protoKey = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as object;
    const copied = copyState(protoKey);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied)).toEqual(['__proto__', 'x']);
    expect(copyState(Object.assign([1, 2], { extra: 3 }))).toHaveProperty('extra', 3);
    expect(() => copyState({ f: () => 1 })).toThrow(/could not be cloned/);
    expect(() => copyState(new Proxy({}, {}))).toThrow(/could not be cloned/);
  });
});
