import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../src/document/stable-stringify.js';

describe('stableStringify', () => {
  it('sorts keys recursively, whatever their insertion order', () => {
    const a = { b: 1, a: { d: [{ z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [{ y: 2, z: 1 }] }, b: 1 };
    expect(stableStringify(a)).toBe('{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}');
    expect(stableStringify(b)).toBe(stableStringify(a));
  });

  it('keeps array order', () => {
    expect(stableStringify([3, 1, 2])).toBe('[3,1,2]');
  });

  it('omits undefined, function and symbol properties and nulls them in arrays, like JSON', () => {
    const value = { b: undefined, a: [undefined, () => 1, Symbol('s')], c: () => 1, d: null };
    expect(stableStringify(value)).toBe('{"a":[null,null,null],"d":null}');
  });

  it('honours toJSON, boxed primitives and non-finite numbers like JSON', () => {
    const date = new Date('2024-01-02T03:04:05.000Z');
    expect(stableStringify({ when: date })).toBe('{"when":"2024-01-02T03:04:05.000Z"}');
    expect(stableStringify([Number.NaN, Number.POSITIVE_INFINITY, -0])).toBe('[null,null,0]');
    expect(stableStringify([new String('s'), new Number(2), new Boolean(false)])).toBe(
      '["s",2,false]',
    );
  });

  it('escapes strings and keys as JSON does', () => {
    const value = { 'k"\n': 'line\nbreak "quoted" \u2028 ü' };
    expect(stableStringify(value)).toBe(JSON.stringify(value));
  });

  it('returns "null" for a top-level value JSON cannot represent', () => {
    expect(stableStringify(undefined)).toBe('null');
    expect(stableStringify(() => 1)).toBe('null');
  });

  it('throws on cycles and bigints, like JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stableStringify(cyclic)).toThrow(TypeError);
    expect(() => stableStringify({ n: 1n })).toThrow(TypeError);
  });

  it('accepts a shared (non-cyclic) object twice', () => {
    const shared = { x: 1 };
    expect(stableStringify({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('agrees with JSON.parse: the result parses back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });
});
