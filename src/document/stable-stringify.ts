/**
 * Stable JSON stringification: the byte-exact input of every state hash and signature.
 * @module
 */

/**
 * Stringifies `value` like `JSON.stringify`, with the keys of every object sorted (by UTF-16 code
 * units, as `Array.prototype.sort` orders them), so equal values give equal strings whatever the
 * order their keys were inserted in.
 *
 * JSON semantics are kept: `toJSON()` is honoured (a `Date` becomes its ISO string), properties
 * whose value is `undefined`, a function or a symbol are omitted, such values inside arrays become
 * `null`, and so do non-finite numbers. Unlike `JSON.stringify`, a top-level value that JSON cannot
 * represent (`undefined`, a function) gives `'null'`, so the result is always a string.
 *
 * @throws TypeError on a cycle or a `bigint`, as `JSON.stringify` does.
 * @example
 * stableStringify({ b: 1, a: [true, undefined] }); // '{"a":[true,null],"b":1}'
 */
export function stableStringify(value: unknown): string {
  return write(value, '', new Set()) ?? 'null';
}

/**
 * Returns undefined for values JSON omits (so the caller can skip the property). `key` is what
 * `toJSON` is given: the property name, or the array index (turned into a string only then).
 * Built by concatenation, without an array of parts per object: this runs for every state hash.
 */
function write(value: unknown, key: string | number, stack: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      value = toJSON.call(value, typeof key === 'number' ? String(key) : key);
    }
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  // Boxed primitives serialise as their primitive, as in JSON.
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return write(value.valueOf(), key, stack);
  }
  const object = value as object;
  if (stack.has(object)) throw new TypeError('Converting circular structure to JSON');
  stack.add(object);
  let out: string;
  if (Array.isArray(object)) {
    out = '[';
    for (let i = 0; i < object.length; i++) {
      if (i > 0) out += ',';
      out += write(object[i], i, stack) ?? 'null';
    }
    out += ']';
  } else {
    const record = object as Record<string, unknown>;
    const names = Object.keys(record);
    if (names.length > 1) names.sort();
    out = '{';
    let first = true;
    for (const name of names) {
      const item = write(record[name], name, stack);
      if (item === undefined) continue;
      out += first ? `${JSON.stringify(name)}:${item}` : `,${JSON.stringify(name)}:${item}`;
      first = false;
    }
    out += '}';
  }
  stack.delete(object);
  return out;
}
