/**
 * How error messages show what they received: strings and names quoted and cut, so a hostile
 * 1 MB key or value yields a short message; nothing here runs user code (no getter, no proxy trap,
 * no `toString`).
 * @module
 */
import { types } from 'node:util';

/** Characters of a string shown in an error message; longer ones are cut, marked `…`. */
export const QUOTE_LIMIT = 60;

/**
 * `text` as a JSON string literal, cut to {@link QUOTE_LIMIT} characters (`"abc…"`); a cut never
 * splits a surrogate pair, so the message itself stays well-formed.
 */
export function quote(text: string): string {
  if (text.length <= QUOTE_LIMIT) return JSON.stringify(text);
  const end = isHighSurrogate(text.charCodeAt(QUOTE_LIMIT - 1)) ? QUOTE_LIMIT - 1 : QUOTE_LIMIT;
  return `${JSON.stringify(text.slice(0, end))}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * The path of property `key` of the value at `base` (`''` for the root): `base.key`, or
 * `base["key"]` (quoted and cut) when `key` is not a short identifier.
 */
export function propertyPath(base: string, key: string): string {
  if (key.length <= QUOTE_LIMIT && NAME.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${quote(key)}]`;
}

/** A short description of a received value: `"abc"`, `number 5`, `an array of 3`, `a Proxy`, … */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  // A proxy's traps (getPrototypeOf, get) are user code: never reach them.
  if (types.isProxy(value)) return 'a Proxy';
  if (Array.isArray(value)) {
    return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  }
  const name = constructorName(value as object);
  return name === undefined || name === 'Object' ? 'an object' : `an instance of ${name}`;
}

/** The constructor's name of a (non-proxy) object, read from data properties only. */
function constructorName(value: object): string | undefined {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || typeof proto !== 'object' || types.isProxy(proto)) return undefined;
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  if (typeof ctor !== 'function' || types.isProxy(ctor)) return undefined;
  const name = Object.getOwnPropertyDescriptor(ctor, 'name')?.value;
  return typeof name === 'string' && name !== '' ? name.slice(0, QUOTE_LIMIT) : undefined;
}
