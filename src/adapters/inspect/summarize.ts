/**
 * A JSON-safe summary of anything an actor holds: snapshots and events may contain functions,
 * class instances, errors, abort signals and cycles.
 * @module
 */

/** Limits of {@link summarize}. */
export type SummarizeOptions = {
  /** Nesting kept; deeper values become `'[Object]'` / `'[Array(n)]'`. @default 4 */
  depth?: number;
  /** Array items kept; the rest is counted in a trailing `'… n more'`. @default 20 */
  maxItems?: number;
  /** String length kept. @default 200 */
  maxString?: number;
};

/**
 * A plain-JSON copy of `value` within the limits: functions become `'[Function name]'`, cycles
 * `'[Circular]'`, errors `{ name, message, code? }`, bigints strings, Maps and Sets arrays, other
 * class instances their own enumerable fields plus `$type`. Never throws.
 * @example
 * const a: Record<string, unknown> = { n: 1, f() {} };
 * a.self = a;
 * summarize(a); // { n: 1, f: '[Function f]', self: '[Circular]' }
 */
export function summarize(value: unknown, options: SummarizeOptions = {}): unknown {
  const depth = options.depth ?? 4;
  const maxItems = options.maxItems ?? 20;
  const maxString = options.maxString ?? 200;
  const ancestors = new Set<object>();

  const walk = (v: unknown, level: number): unknown => {
    switch (typeof v) {
      case 'string':
        return v.length > maxString ? `${v.slice(0, maxString)}…` : v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return `${v}n`;
      case 'undefined':
        return undefined;
      case 'symbol':
        return v.toString();
      case 'function':
        return `[Function ${v.name || 'anonymous'}]`;
    }
    if (v === null) return null;
    const object = v as object;
    if (ancestors.has(object)) return '[Circular]';
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
    if (object instanceof Error) {
      const code = (object as { code?: unknown }).code;
      return {
        name: object.name,
        message: walk(object.message, level),
        ...(code === undefined ? {} : { code: walk(code, level) }),
      };
    }
    if (typeof AbortSignal !== 'undefined' && object instanceof AbortSignal) {
      return `[AbortSignal${object.aborted ? ' aborted' : ''}]`;
    }
    const iterable =
      object instanceof Map
        ? [...object.entries()]
        : object instanceof Set
          ? [...object]
          : undefined;
    if (Array.isArray(object) || iterable) {
      const items = iterable ?? (object as unknown[]);
      if (level >= depth) return `[Array(${items.length})]`;
      ancestors.add(object);
      const out = items.slice(0, maxItems).map((item) => walk(item, level + 1) ?? null);
      if (items.length > maxItems) out.push(`… ${items.length - maxItems} more`);
      ancestors.delete(object);
      return out;
    }
    const proto = Object.getPrototypeOf(object);
    const type =
      proto === Object.prototype || proto === null ? undefined : proto?.constructor?.name;
    if (level >= depth) return `[${type ?? 'Object'}]`;
    ancestors.add(object);
    const out: Record<string, unknown> = type ? { $type: type } : {};
    try {
      for (const key of Object.keys(object)) {
        const item = walk((object as Record<string, unknown>)[key], level + 1);
        if (item !== undefined) out[key] = item;
      }
    } catch {
      out.$unreadable = true;
    }
    ancestors.delete(object);
    return out;
  };

  try {
    return walk(value, 0);
  } catch {
    return '[Unserialisable]';
  }
}
