import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateCache } from '../../src/document/state-cache.js';
import { JobValidationError } from '../../src/errors.js';
import { laneKey } from '../../src/lane-key.js';

const snap = (index: number) => ({ index, state: { index }, hash: `h${index}` });

describe('laneKey', () => {
  it('is the JSON array of the parts, so no two lanes share a key', () => {
    expect(laneKey('d', 's', 'b')).toBe('["d","s","b"]');
    expect(laneKey('a:b', 'c', 'd')).not.toBe(laneKey('a', 'b:c', 'd'));
    // Any separator a join could use, NUL included, stays inside its part.
    expect(laneKey('X', 'global', 'global\u0000main')).not.toBe(
      laneKey('X\u0000global', 'global', 'main'),
    );
    expect(laneKey('a","b', 'c', 'd')).not.toBe(laneKey('a', 'b","c', 'd'));
  });
});

describe('StateCache', () => {
  it('stores, returns, deletes and clears snapshots', () => {
    const cache = new StateCache();
    expect(cache.capacity).toBe(10_000);
    cache.set('a', snap(1));
    expect(cache.get('a')).toEqual(snap(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    cache.set('a', snap(1));
    cache.set('b', snap(2));
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used lane when full', () => {
    const cache = new StateCache({ capacity: 2 });
    cache.set('a', snap(1));
    cache.set('b', snap(2));
    cache.get('a'); // a is now more recent than b
    cache.set('c', snap(3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(snap(1));
    expect(cache.get('c')).toEqual(snap(3));
    cache.set('a', snap(4)); // overwrite refreshes, does not grow
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toEqual(snap(4));
  });

  it('caches nothing with capacity 0 and rejects a bad capacity', () => {
    const cache = new StateCache({ capacity: 0 });
    cache.set('a', snap(1));
    expect(cache.get('a')).toBeUndefined();
    expect(() => new StateCache({ capacity: -1 })).toThrow(JobValidationError);
    expect(() => new StateCache({ capacity: 1.5 })).toThrow(/cacheSize/);
  });

  it('keeps and drops the same lanes as a Map-ordered LRU, whatever the sequence of calls', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), key: fc.nat(6) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(6), index: fc.nat(99) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(6) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.nat(4), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const cache = new StateCache({ capacity });
        const model = new Map<string, ReturnType<typeof snap>>(); // oldest first
        for (const o of ops) {
          if (o.kind === 'clear') {
            cache.clear();
            model.clear();
            continue;
          }
          const key = `k${o.key}`;
          if (o.kind === 'get') {
            const expected = model.get(key);
            if (expected !== undefined) {
              model.delete(key);
              model.set(key, expected);
            }
            expect(cache.get(key)).toBe(expected);
          } else if (o.kind === 'delete') {
            expect(cache.delete(key)).toBe(model.delete(key));
          } else if (capacity > 0) {
            const value = snap(o.index);
            cache.set(key, value);
            model.delete(key);
            model.set(key, value);
            if (model.size > capacity) model.delete(model.keys().next().value as string);
          }
          expect(cache.size).toBe(model.size);
        }
        for (const [key, value] of model) expect(cache.get(key)).toBe(value);
      }),
    );
  });
});
