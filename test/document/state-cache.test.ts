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
});
