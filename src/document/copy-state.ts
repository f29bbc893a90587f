/**
 * The private copy of a lane state a reducer mutates (README: Semantics, "Execution of one job").
 * @module
 */
import { types } from 'node:util';

/** Returned by `copyTree` for anything a plain copy would not reproduce as `structuredClone` does. */
const NOT_PLAIN: unique symbol = Symbol('not plain');

/**
 * What `structuredClone(state)` gives, without its serialisation for the usual state: a tree of
 * plain objects (prototype `Object.prototype`) and dense plain arrays holding strings, numbers,
 * booleans, bigints, `undefined` and `null`, each object reached once, is copied in JavaScript.
 * Anything else (a `Date`, `Map`, typed array, class instance, null-prototype object, sparse
 * array, proxy, an own `__proto__` key, a shared or cyclic reference, a function or symbol) falls
 * back to `structuredClone` of the whole state, so the copy, or the error, is always
 * `structuredClone`'s. Per job this is the lane's first action, on every job (README: Performance).
 * @example
 * const draft = copyState(lane.state); // mutate freely
 */
export function copyState<T>(state: T): T {
  if (state === null || typeof state !== 'object') return structuredClone(state);
  const copy = copyTree(state, new Set());
  return copy === NOT_PLAIN ? structuredClone(state) : (copy as T);
}

function copyTree(value: object, seen: Set<object>): unknown {
  if (seen.has(value) || types.isProxy(value)) return NOT_PLAIN;
  seen.add(value);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    const array = value as unknown[];
    // Holes and extra (non-index) properties are what structuredClone keeps and a loop does not.
    if (Object.keys(array).length !== array.length) return NOT_PLAIN;
    const out = new Array<unknown>(array.length);
    for (let i = 0; i < array.length; i++) {
      if (!(i in array)) return NOT_PLAIN;
      const item = copyValue(array[i], seen);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  if (prototype !== Object.prototype) return NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (key === '__proto__') return NOT_PLAIN; // an assignment would set the prototype
    const item = copyValue(record[key], seen);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}

function copyValue(value: unknown, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'object':
      return value === null ? null : copyTree(value, seen);
    case 'function':
    case 'symbol':
      return NOT_PLAIN; // structuredClone throws for them: let it
    default:
      return value;
  }
}
