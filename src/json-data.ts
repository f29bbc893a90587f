/**
 * The walk behind `prepareJobInput` (see README, Semantics, "Identifiers and limits"): one pass
 * over a job input that checks it and builds a detached copy made of JSON data only. The walk
 * never runs user code: getters are never called (properties are read through their
 * descriptors), proxies are rejected before any trap, `toJSON` is a function and so rejected.
 *
 * The walk keeps its position (the path of the value being read), its payload nesting and the
 * JSON size of the copy in module state, so a valid job allocates nothing but its copy; error
 * paths and messages are only built on failure. Nothing re-enters the walk: it runs no user code.
 * @module
 */
import { types } from 'node:util';
import { describeValue, propertyPath, quote } from './describe-value.js';
import { JobValidationError } from './errors.js';

/** The limits of a job input, checked at enqueue (see README, Semantics). */
export const JOB_LIMITS = Object.freeze({
  /** Bytes of UTF-8 in an identifier: job id, documentId, each scope, branch, action id and type. */
  maxIdBytes: 512,
  /** Largest `maxRetries` (2^31 − 1, a PostgreSQL `integer`). */
  maxRetries: 2_147_483_647,
  /** Largest `Math.abs(runAt)`, ms since the epoch (the range of a JavaScript `Date`). */
  maxRunAt: 8_640_000_000_000_000,
  /** Levels of objects and arrays a payload (`input`, `context`, `meta`) may nest. */
  maxDepth: 64,
  /** Bytes of the job input as UTF-8 JSON (what `JSON.stringify` writes for its copy). */
  maxJobBytes: 1_048_576,
} as const);

// ─── position, size, failure ───────────────────────────────────────────────────────────────────

/** Keys and indexes from the job input down to the value being read, `path[0..depth)`. */
const path: (string | number)[] = [];
let depth = 0;
/** The payload objects and arrays enclosing the value being read, for cycles and nesting. */
const ancestors: (object | undefined)[] = [];
/** The `depth` at which each ancestor was entered, to name it in a cycle's message. */
const ancestorDepths: number[] = [];
let nesting = 0;
/** JSON bytes of the copy so far. */
let bytes = 0;
/** Position of the input in its batch, or -1. */
let batchIndex = -1;

/** Starts the walk of one job input (`index`: its position in a batch, or -1). */
export function beginWalk(index: number): void {
  depth = 0;
  nesting = 0;
  bytes = 0;
  batchIndex = index;
}

/** Steps into property `key` (or index) of the value being read. */
export function enter(key: string | number): void {
  path[depth++] = key;
}

/** Steps back out of the last {@link enter}. */
export function leave(): void {
  path[--depth] = 0; // drops the key, which may be a large string
}

function pathTo(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const key = path[i] as string | number;
    text = typeof key === 'number' ? `${text}[${key}]` : propertyPath(text, key);
  }
  return text;
}

/** Throws the `JobValidationError` of the value being read (`input` for the job input itself). */
export function fail(message: string): never {
  const field = depth === 0 ? 'input' : pathTo(depth);
  const where = batchIndex < 0 ? '' : ` (batch input ${batchIndex})`;
  path.length = 0;
  ancestors.length = 0;
  throw new JobValidationError(field, message + where);
}

/** Counts `count` more bytes of JSON; fails past {@link JOB_LIMITS}.maxJobBytes. */
export function addBytes(count: number): void {
  bytes += count;
  if (bytes > JOB_LIMITS.maxJobBytes) {
    fail(
      `expected the job input to be at most ${JOB_LIMITS.maxJobBytes} bytes of JSON (JOB_LIMITS.maxJobBytes), and it is larger by this field; keep large data elsewhere and pass a reference`,
    );
  }
}

/** Bytes of JSON of the copy walked so far (the whole job once the walk is done). */
export function walkedBytes(): number {
  return bytes;
}

// ─── strings and numbers ───────────────────────────────────────────────────────────────────────

type WellFormed = { isWellFormed(): boolean };
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes these
const ESCAPED = /["\\\u0000-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: identifiers may not hold them
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Strings up to this length are scanned in one JavaScript loop; longer ones by native calls. */
const SHORT = 64;
/** Set by {@link scan}: the first control character (identifier rule) and U+0000, or -1. */
let controlAt = -1;
let nulAt = -1;

/**
 * Bytes of `text` as a JSON string literal (quotes, UTF-8 and escapes, as `JSON.stringify`
 * writes a well-formed string); also sets {@link controlAt} and {@link nulAt}.
 */
function scan(text: string): number {
  const length = text.length;
  if (length > SHORT) {
    let count = Buffer.byteLength(text, 'utf8') + 2;
    controlAt = -1;
    nulAt = -1;
    if (ESCAPED.test(text)) {
      nulAt = text.indexOf('\u0000');
      for (let i = 0; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x22 || c === 0x5c) count += 1;
        else if (c < 0x20) count += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 1 : 5;
      }
    }
    controlAt = text.search(CONTROL);
    return count;
  }
  let count = 2;
  let control = -1;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) {
        count += c === 0x22 || c === 0x5c ? 2 : 1;
        if (c === 0x7f && control < 0) control = i;
      } else {
        // \b \t \n \f \r, or \u00XX
        count += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
        if (control < 0) control = i;
        if (c === 0 && nulAt < 0) nulAt = i;
      }
    } else if (c < 0x800) {
      count += 2;
      if (c <= 0x9f && control < 0) control = i;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count += 4;
        i++;
      } else count += 3;
    } else count += 3;
  }
  controlAt = control;
  return count;
}

/** Position of the first lone surrogate of `text` (which is not well-formed). */
function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

function checkWellFormed(text: string): void {
  if (!(text as unknown as WellFormed).isWellFormed()) {
    fail(
      `expected well-formed Unicode, got ${quote(text)} (a lone surrogate at index ${loneSurrogateAt(text)}), which storage would change; fix the text (String.prototype.toWellFormed() replaces lone surrogates)`,
    );
  }
}

/** Bytes of `text` as a JSON string literal: quotes, UTF-8 and escapes. */
export function jsonStringBytes(text: string): number {
  nulAt = -1;
  return scan(text);
}

/**
 * Checks an identifier (job id, documentId, scope, branch, action id and type) and counts it:
 * a non-empty, well-formed string without control characters, at most
 * {@link JOB_LIMITS}.maxIdBytes bytes of UTF-8.
 */
export function checkIdentifier(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    fail(`expected a non-empty string, got ${describeValue(value)}`);
  }
  checkWellFormed(value);
  // Past a third of the limit in UTF-16 units a string may exceed it in UTF-8 bytes.
  if (value.length * 3 > JOB_LIMITS.maxIdBytes) {
    const size = Buffer.byteLength(value, 'utf8');
    if (size > JOB_LIMITS.maxIdBytes) {
      fail(
        `expected at most ${JOB_LIMITS.maxIdBytes} bytes of UTF-8 (JOB_LIMITS.maxIdBytes), got ${size} bytes: ${quote(value)}; use a shorter id (a hash of a long one, for instance)`,
      );
    }
  }
  nulAt = -1;
  const count = scan(value);
  if (controlAt >= 0) {
    const code = value.charCodeAt(controlAt).toString(16).toUpperCase().padStart(4, '0');
    fail(
      `expected no control characters (U+0000–U+001F, U+007F–U+009F), got ${quote(value)} (U+${code} at index ${controlAt}); remove them`,
    );
  }
  addBytes(count);
  return value;
}

/** Checks and counts a string of a payload: well-formed, without U+0000. */
export function checkDataString(text: string): void {
  checkWellFormed(text);
  nulAt = -1;
  const count = scan(text);
  if (nulAt >= 0) {
    fail(
      `expected a string without U+0000, got ${quote(text)} (U+0000 at index ${nulAt}), which PostgreSQL cannot store in JSON; remove it, or encode binary data (base64)`,
    );
  }
  addBytes(count);
}

/** Exact powers of ten, for the digits of an integer. */
const POW10 = Array.from({ length: 22 }, (_, i) => 10 ** i);

/** Bytes of a finite number as JSON. */
export function numberBytes(value: number): number {
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e21) {
    let digits = 1;
    while (digits < 21 && abs >= (POW10[digits] as number)) digits++;
    return value < 0 ? digits + 1 : digits;
  }
  return String(value).length;
}

// ─── objects ───────────────────────────────────────────────────────────────────────────────────

/** Whether `value` is a plain object (prototype `Object.prototype` or null), not a proxy. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || types.isProxy(value)) return false;
  if (Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `value` is a plain array (prototype `Array.prototype`), not a proxy. */
export function isPlainArray(value: unknown): value is unknown[] {
  return (
    Array.isArray(value) &&
    !types.isProxy(value) &&
    Object.getPrototypeOf(value) === Array.prototype
  );
}

/**
 * The own string keys of a plain object (enumerable or not, so that a non-enumerable one is
 * rejected rather than silently dropped); fails on a symbol key, which JSON would drop.
 */
export function ownKeys(source: object): string[] {
  const symbols = Object.getOwnPropertySymbols(source);
  if (symbols.length > 0) {
    fail(
      `expected string keys only, got the symbol key ${describeSymbol(symbols[0] as symbol)}; JSON has none`,
    );
  }
  return Object.getOwnPropertyNames(source);
}

/**
 * The value of own property `key` of a plain object, which must be an enumerable data property
 * (a getter is never called).
 */
export function ownValue(source: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(source, key) as PropertyDescriptor;
  if (!('value' in descriptor)) {
    enter(key);
    fail(
      'expected a data property, got a getter/setter (it is never called); pass the value itself',
    );
  }
  if (descriptor.enumerable !== true) {
    enter(key);
    fail('expected an enumerable property, got a non-enumerable one; make it enumerable');
  }
  return descriptor.value;
}

/** The element `index` of a plain array: a data property, not a hole. */
export function ownElement(source: unknown[], index: number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(source, index);
  if (descriptor === undefined) {
    enter(index);
    fail('expected a value, got a hole (an empty slot of a sparse array); fill it (null)');
  }
  if (!('value' in descriptor)) {
    enter(index);
    fail(
      'expected a data element, got a getter/setter (it is never called); pass the value itself',
    );
  }
  return descriptor.value;
}

function describeSymbol(symbol: symbol): string {
  const text = symbol.description;
  return text === undefined ? 'Symbol()' : `Symbol(${quote(text)})`;
}

/** Sets `key` of a fresh copy as an own data property (`__proto__` too: no prototype is set). */
export function setData(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

// ─── payloads ──────────────────────────────────────────────────────────────────────────────────

/**
 * Copies a payload value (at the current path), checking that it is JSON data: plain objects,
 * arrays without holes, well-formed strings without U+0000, finite numbers (-0 becomes 0),
 * booleans and null; object properties whose value is `undefined` are left out, as JSON does.
 * Rejects anything else, cycles, and nesting deeper than {@link JOB_LIMITS}.maxDepth.
 */
export function copyJsonData(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      checkDataString(value);
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        fail(
          `expected a finite number, got ${describeValue(value)}; JSON has none: use null or a string`,
        );
      }
      addBytes(numberBytes(value));
      return value === 0 ? 0 : value; // -0 is 0, as JSON writes it
    case 'boolean':
      addBytes(value ? 4 : 5);
      return value;
    case 'object':
      if (value === null) {
        addBytes(4);
        return null;
      }
      return copyNested(value);
    case 'undefined':
      return fail('expected JSON data, got undefined; use null');
    case 'bigint':
      return fail(
        `expected JSON data, got ${describeValue(value)}; pass it as a string or a number`,
      );
    case 'symbol':
      return fail('expected JSON data, got a symbol; JSON has none');
    default:
      return fail(
        'expected JSON data, got a function (a `toJSON` method too); pass the data itself, without methods',
      );
  }
}

function copyNested(value: object): unknown {
  if (types.isProxy(value)) fail('expected JSON data, got a Proxy; pass a plain copy of its data');
  for (let i = 0; i < nesting; i++) {
    if (ancestors[i] === value) {
      fail(
        `expected JSON data, got a cycle (a reference back to \`${pathTo(ancestorDepths[i] as number)}\`); JSON cannot carry cycles`,
      );
    }
  }
  if (nesting >= JOB_LIMITS.maxDepth) {
    fail(
      `expected at most ${JOB_LIMITS.maxDepth} levels of nested objects and arrays (JOB_LIMITS.maxDepth), got more; flatten the data`,
    );
  }
  ancestors[nesting] = value;
  ancestorDepths[nesting] = depth;
  nesting++;
  let copy: unknown;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) {
      fail(`expected JSON data, got ${describeValue(value)}; pass a plain array`);
    }
    copy = copyArray(value);
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      fail(
        `expected JSON data, got ${describeValue(value)}; convert it to a plain object, array or string first`,
      );
    }
    copy = copyRecord(value);
  }
  ancestors[--nesting] = undefined;
  return copy;
}

function copyArray(source: unknown[]): unknown[] {
  const length = source.length;
  addBytes(length === 0 ? 2 : length + 1); // brackets and commas, before allocating
  const copy = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    const element = ownElement(source, i);
    enter(i);
    if (element === undefined)
      fail('expected JSON data, got undefined (JSON writes null); use null');
    copy[i] = copyJsonData(element);
    leave();
  }
  return copy;
}

/**
 * Checks and counts the key being read (entered already) of an object of a payload: a string
 * as {@link checkDataString} wants, its colon, and a comma unless it is the `first` key.
 */
export function addKey(name: string, first: boolean): void {
  checkDataString(name);
  addBytes(first ? 1 : 2);
}

/** Copies a plain (non-proxy) object of a payload, key by key. */
function copyRecord(source: object): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  addBytes(2);
  let count = 0;
  for (const key of ownKeys(source)) {
    const value = ownValue(source, key);
    if (value === undefined) continue; // left out, as JSON does
    enter(key);
    addKey(key, count++ === 0);
    setData(copy, key, copyJsonData(value));
    leave();
  }
  return copy;
}
