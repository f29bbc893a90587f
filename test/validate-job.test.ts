import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobValidationError } from '../src/errors.js';
import { JobStatus } from '../src/types.js';
import { normalizeJobInput, validateJobInput, validateJobInputs } from '../src/validate-job.js';

const TS = '2024-05-01T12:00:00.000Z';

function action(id: string, scope: string, extra: Record<string, unknown> = {}) {
  return { id, type: 'SET', scope, input: { value: 1 }, timestampUtcMs: TS, ...extra };
}

function valid(): Record<string, unknown> {
  return {
    documentId: 'doc-1',
    scopes: ['global', 'local'],
    actions: [action('a-1', 'global'), action('a-2', 'local')],
  };
}

/** The error `validateJobInput` throws for `input`, asserting it is a `JobValidationError`. */
function rejection(input: unknown, validate: (input: unknown) => void = validateJobInput) {
  try {
    validate(input);
  } catch (error) {
    expect(error).toBeInstanceOf(JobValidationError);
    return error as JobValidationError;
  }
  throw new Error('expected the input to be rejected');
}

describe('validateJobInput', () => {
  it('accepts a minimal valid input and one with every optional field', () => {
    expect(() => validateJobInput(valid())).not.toThrow();
    expect(() =>
      validateJobInput({
        ...valid(),
        id: 'job-1',
        branch: 'draft',
        resultingHash: 'abc=',
        maxRetries: 0,
        runAt: 1_700_000_000_000,
        meta: { tag: 'x' },
        actions: [
          action('a-1', 'global', {
            input: null,
            context: { signer: { publicKey: 'k', signature: 's' } },
          }),
        ],
      }),
    ).not.toThrow();
  });

  it('treats optional fields set to undefined as absent', () => {
    expect(() =>
      validateJobInput({ ...valid(), id: undefined, branch: undefined, meta: undefined }),
    ).not.toThrow();
  });

  it.each([
    ['a non-object input', null, 'input'],
    ['an array input', [], 'input'],
    ['an unknown top-level key, by name', { ...valid(), priority: 1 }, 'priority'],
    ['an empty id', { ...valid(), id: '' }, 'id'],
    ['a missing documentId', { ...valid(), documentId: undefined }, 'documentId'],
    ['an empty documentId', { ...valid(), documentId: '' }, 'documentId'],
    ['scopes that are not an array', { ...valid(), scopes: 'global' }, 'scopes'],
    ['empty scopes', { ...valid(), scopes: [] }, 'scopes'],
    ['an empty scope', { ...valid(), scopes: ['global', ''] }, 'scopes[1]'],
    ['a non-string scope', { ...valid(), scopes: [7] }, 'scopes[0]'],
    ['a duplicate scope', { ...valid(), scopes: ['global', 'local', 'global'] }, 'scopes[2]'],
    ['an empty branch', { ...valid(), branch: '' }, 'branch'],
    ['actions that are not an array', { ...valid(), actions: {} }, 'actions'],
    ['empty actions', { ...valid(), actions: [] }, 'actions'],
    ['an action that is not an object', { ...valid(), actions: ['SET'] }, 'actions[0]'],
    ['an action without id', { ...valid(), actions: [action('', 'global')] }, 'actions[0].id'],
    [
      'an action without type',
      { ...valid(), actions: [action('a-1', 'global'), action('a-2', 'global', { type: 3 })] },
      'actions[1].type',
    ],
    [
      'an action with an empty scope',
      { ...valid(), actions: [action('a-1', '')] },
      'actions[0].scope',
    ],
    [
      'an action whose scope is not one of the scopes',
      { ...valid(), actions: [action('a-1', 'global'), action('a-2', 'other')] },
      'actions[1].scope',
    ],
    [
      'an action without input',
      { ...valid(), actions: [{ id: 'a', type: 'T', scope: 'global', timestampUtcMs: TS }] },
      'actions[0].input',
    ],
    [
      'a numeric timestamp',
      { ...valid(), actions: [action('a-1', 'global', { timestampUtcMs: 1_700_000_000_000 })] },
      'actions[0].timestampUtcMs',
    ],
    [
      'a non-ISO timestamp',
      { ...valid(), actions: [action('a-1', 'global', { timestampUtcMs: 'yesterday' })] },
      'actions[0].timestampUtcMs',
    ],
    [
      'an ISO-shaped timestamp that does not parse',
      {
        ...valid(),
        actions: [action('a-1', 'global', { timestampUtcMs: '2024-13-45T00:00:00Z' })],
      },
      'actions[0].timestampUtcMs',
    ],
    [
      'a context that is not an object',
      { ...valid(), actions: [action('a-1', 'global', { context: 'me' })] },
      'actions[0].context',
    ],
    [
      'a signer without signature',
      {
        ...valid(),
        actions: [action('a-1', 'global', { context: { signer: { publicKey: 'k' } } })],
      },
      'actions[0].context.signer.signature',
    ],
    [
      'a duplicate action id',
      {
        ...valid(),
        actions: [action('a-1', 'global'), action('a-2', 'local'), action('a-1', 'local')],
      },
      'actions[2].id',
    ],
    ['a non-string resultingHash', { ...valid(), resultingHash: 42 }, 'resultingHash'],
    ['a negative maxRetries', { ...valid(), maxRetries: -1 }, 'maxRetries'],
    ['a fractional maxRetries', { ...valid(), maxRetries: 1.5 }, 'maxRetries'],
    ['a non-finite runAt', { ...valid(), runAt: Number.POSITIVE_INFINITY }, 'runAt'],
    ['a string runAt', { ...valid(), runAt: '2024-05-01' }, 'runAt'],
    ['a meta that is an array', { ...valid(), meta: [1] }, 'meta'],
    ['a meta that is a class instance', { ...valid(), meta: new Date() }, 'meta'],
  ])('rejects %s', (_name, input, field) => {
    expect(rejection(input).field).toBe(field);
  });

  it('says what was expected and what was received', () => {
    const error = rejection({ ...valid(), maxRetries: -1 });
    expect(error.message).toContain('an integer from 0 to 2147483647');
    expect(error.message).toContain('-1');
    const scope = rejection({ ...valid(), actions: [action('a-1', 'other')] });
    expect(scope.message).toContain('"global"');
    expect(scope.message).toContain('"other"');
  });
});

describe('validateJobInputs', () => {
  it('rejects a non-array batch on `inputs`', () => {
    expect(rejection({}, validateJobInputs).field).toBe('inputs');
  });

  it('names the field and the position of a bad input in the batch', () => {
    const error = rejection([valid(), { ...valid(), branch: '' }], validateJobInputs);
    expect(error.field).toBe('branch');
    expect(error.message).toContain('batch input 1');
  });

  it('rejects an id given twice in the batch', () => {
    const error = rejection(
      [{ ...valid(), id: 'j' }, valid(), { ...valid(), id: 'j' }],
      validateJobInputs,
    );
    expect(error.field).toBe('id');
    expect(error.message).toContain('batch input 2');
  });
});

describe('normalizeJobInput', () => {
  it('fills the defaults and makes a pending job', () => {
    const input = valid();
    const job = normalizeJobInput(input, { createdAt: 5, generateId: () => 'gen-1' });
    expect(job).toEqual({
      id: 'gen-1',
      documentId: 'doc-1',
      scopes: ['global', 'local'],
      branch: 'main',
      actions: input.actions,
      status: JobStatus.PENDING,
      createdAt: 5,
      attempts: 0,
    });
    expect(job.scopes).not.toBe(input.scopes);
  });

  it('keeps a given id and the optional fields, and validates', () => {
    let generated = 0;
    const job = normalizeJobInput(
      { ...valid(), id: 'mine', branch: 'b', runAt: 9, maxRetries: 2, meta: { m: 1 } },
      { createdAt: 1, generateId: () => `gen-${++generated}` },
    );
    expect(job).toMatchObject({ id: 'mine', branch: 'b', runAt: 9, maxRetries: 2, meta: { m: 1 } });
    expect(generated).toBe(0);
    expect(() =>
      normalizeJobInput({ ...valid(), scopes: [] }, { createdAt: 1, generateId: () => 'x' }),
    ).toThrow(JobValidationError);
  });
});

describe('the boundary (issue 11)', () => {
  const withAction = (extra: Record<string, unknown>) => ({
    ...valid(),
    actions: [action('a-1', 'global', extra)],
  });

  it.each([
    [
      'a lone surrogate in documentId (defect 5)',
      { ...valid(), documentId: 'lone\ud800' },
      'documentId',
    ],
    ['a lone surrogate in a job id', { ...valid(), id: 'lone\ud800' }, 'id'],
    ['NUL in a branch (defect 6)', { ...valid(), branch: 'global\u0000main' }, 'branch'],
    ['an id over 512 bytes', { ...valid(), documentId: 'd'.repeat(8_000) }, 'documentId'],
    ['runAt 1.5', { ...valid(), runAt: 1.5 }, 'runAt'],
    ['runAt -1e300', { ...valid(), runAt: -1e300 }, 'runAt'],
    ['maxRetries 3e9', { ...valid(), maxRetries: 3e9 }, 'maxRetries'],
    [
      'a bigint in a payload',
      withAction({ input: { items: [1, 2n] } }),
      'actions[0].input.items[1]',
    ],
    ['a NUL in a payload string', { ...valid(), meta: { note: 'a\u0000' } }, 'meta.note'],
    [
      'a toJSON method (defect 8)',
      withAction({ input: { by: 1000, toJSON: () => ({ by: 1 }) } }),
      'actions[0].input.toJSON',
    ],
    [
      'a getter (defect 8)',
      withAction({ input: Object.defineProperty({}, 'by', { get: () => 1000, enumerable: true }) }),
      'actions[0].input.by',
    ],
    ['a proxy', withAction({ input: new Proxy({}, {}) }), 'actions[0].input'],
  ])('rejects %s', (_name, input, field) => {
    expect(rejection(input).field).toBe(field);
  });

  it('rejects a cycle and nesting past 64 levels, naming where', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(rejection({ ...valid(), meta: { cycle } }).message).toContain('a cycle');
    let deep: unknown = 1;
    for (let i = 0; i < 63; i++) deep = [deep];
    // `meta` is the first level, then 63 arrays.
    expect(() => validateJobInput({ ...valid(), meta: { deep } })).not.toThrow();
    expect(rejection({ ...valid(), meta: { deep: [deep] } }).message).toContain('64 levels');
  });

  it('turns a throwing getter into a JobValidationError without calling it', () => {
    const input = Object.defineProperty(valid(), 'documentId', {
      get() {
        throw new RangeError('boom');
      },
      enumerable: true,
    });
    expect(rejection(input).field).toBe('documentId');
  });

  it('quotes and cuts an unknown key of 1 MB (defect 10)', () => {
    const error = rejection({ ...valid(), ['k'.repeat(1_000_000)]: 1 });
    expect(error.message.length).toBeLessThan(300);
    expect(error.field.length).toBeLessThan(80);
  });

  it('enqueues a detached plain copy in memory, as the durable queues do (defect 8)', async () => {
    const { MemoryQueue } = await import('../src/adapters/memory/memory-queue.js');
    const queue = new MemoryQueue();
    const input = { ...valid(), meta: { list: [1], __proto__: null } } as never;
    const job = await queue.enqueue(input);
    (input as { actions: { input: { value: number } }[] }).actions[0]!.input.value = 1000;
    const stored = await queue.get(job.id);
    expect(stored?.actions[0]?.input).toEqual({ value: 1 });
    expect(Object.getPrototypeOf(stored?.meta)).toBe(Object.prototype);
  });
});

describe('isIsoTimestamp', () => {
  it('agrees with Date.parse on strings of the toISOString() shape', async () => {
    const { isIsoTimestamp } = await import('../src/iso-timestamp.js');
    const digits = (n: number, max: number) =>
      fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
    const shaped = fc
      .tuple(
        digits(4, 9999),
        digits(2, 99),
        digits(2, 99),
        digits(2, 99),
        digits(2, 99),
        digits(2, 99),
        digits(3, 999),
      )
      .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
    const near = fc
      .tuple(
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 22, max: 25 }),
        fc.constantFrom(0, 1, 59, 60),
        fc.constantFrom('000', '001'),
      )
      .map(([mo, d, h, m, ms]) => {
        const p = (v: number) => String(v).padStart(2, '0');
        return `2024-${p(mo)}-${p(d)}T${p(h)}:${p(m)}:${p(m)}.${ms}Z`;
      });
    fc.assert(
      fc.property(fc.oneof(shaped, near), (text) => {
        expect(isIsoTimestamp(text)).toBe(!Number.isNaN(Date.parse(text)));
      }),
      { seed: 7, numRuns: 20_000 },
    );
  });
});
