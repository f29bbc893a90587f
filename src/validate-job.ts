/**
 * Validation of job inputs (SPEC section 1): a job that breaks a rule is rejected at `enqueue` with
 * a `JobValidationError` naming the field, and never enters the queue. Shared by every adapter.
 * @module
 */
import { JobValidationError } from './errors.js';
import { type Job, type JobInput, JobStatus } from './types.js';

/** Keys a `JobInput` may carry; any other key is rejected. */
const JOB_INPUT_KEYS: ReadonlySet<string> = new Set([
  'id',
  'documentId',
  'scopes',
  'branch',
  'actions',
  'resultingHash',
  'maxRetries',
  'runAt',
  'meta',
]);

/** The branch of a job that names none. */
export const DEFAULT_BRANCH = 'main';

// An ISO-8601 date, or date-time with optional seconds, fraction and offset.
const ISO_DATE =
  /^[+-]?\d{4,6}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Checks that `input` is a valid {@link JobInput} and throws a `JobValidationError` naming the
 * first offending field (`documentId`, `scopes[1]`, `actions[0].scope`, …) otherwise. The message
 * says what was expected and what was received.
 *
 * Rules: `documentId` a non-empty string; `scopes` a non-empty array of unique non-empty strings;
 * `branch` (optional) a non-empty string; `actions` a non-empty array of actions, each with
 * non-empty string `id`, `type` and `scope` (one of `scopes`), an `input`, and an ISO date string
 * `timestampUtcMs`; action ids unique within the job; `id` (optional) a non-empty string;
 * `resultingHash` a string; `maxRetries` an integer ≥ 0; `runAt` a finite number; `meta` a plain
 * object; no other keys. Optional fields set to `undefined` count as absent.
 *
 * @example
 * validateJobInput({ documentId: 'doc-1', scopes: ['global'], actions: [] });
 * // throws JobValidationError: Invalid `actions`: expected a non-empty array of actions, got an empty array
 */
export function validateJobInput(input: unknown): asserts input is JobInput {
  checkJobInput(input, '');
}

/**
 * Validates every input of a batch (all or nothing) and also rejects an `id` given twice in the
 * batch; the message names the position of the offending input.
 */
export function validateJobInputs(inputs: unknown): asserts inputs is JobInput[] {
  if (!Array.isArray(inputs)) {
    throw new JobValidationError(
      'inputs',
      `expected an array of job inputs, got ${describe(inputs)}`,
    );
  }
  let ids: Set<string> | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const input: unknown = inputs[i];
    checkJobInput(input, ` (batch input ${i})`);
    const id = (input as JobInput).id;
    if (id === undefined) continue;
    ids ??= new Set();
    if (ids.has(id)) {
      throw new JobValidationError(
        'id',
        `expected a unique job id, got ${JSON.stringify(id)} twice in the batch (batch input ${i})`,
      );
    }
    ids.add(id);
  }
}

/** What the queue adds to a validated input to make a {@link Job}. */
export type JobDefaults = {
  /** Enqueue time, ms since epoch. */
  createdAt: number;
  /** Called for an id only when the input has none. */
  generateId: () => string;
};

/**
 * Validates `input` and turns it into a `PENDING` {@link Job} with no attempts: the branch
 * defaults to `'main'`, the id is generated when absent, and `scopes` / `actions` are copied (the
 * actions themselves and `meta` are not: callers must not mutate them after enqueue).
 */
export function normalizeJobInput(input: unknown, defaults: JobDefaults): Job {
  validateJobInput(input);
  return toJob(input, defaults);
}

/**
 * Turns an input already checked by {@link validateJobInput} into a `PENDING` job, as
 * {@link normalizeJobInput} does, without checking it again.
 * @internal
 */
export function toJob(input: JobInput, defaults: JobDefaults): Job {
  const job: Job = {
    id: input.id ?? defaults.generateId(),
    documentId: input.documentId,
    scopes: input.scopes.slice(),
    branch: input.branch ?? DEFAULT_BRANCH,
    actions: input.actions.slice(),
    status: JobStatus.PENDING,
    createdAt: defaults.createdAt,
    attempts: 0,
  };
  if (input.resultingHash !== undefined) job.resultingHash = input.resultingHash;
  if (input.maxRetries !== undefined) job.maxRetries = input.maxRetries;
  if (input.runAt !== undefined) job.runAt = input.runAt;
  if (input.meta !== undefined) job.meta = input.meta;
  return job;
}

/** Throws the `JobValidationError` of `field`; `where` locates the input in a batch. */
function reject(field: string, message: string, where: string): never {
  throw new JobValidationError(field, message + where);
}

/** Throws the `JobValidationError` of field `key` of action `i` (the action itself for ''). */
function rejectAction(i: number, key: string, message: string, where: string): never {
  return reject(key === '' ? `actions[${i}]` : `actions[${i}].${key}`, message, where);
}

// Hot path: this runs once per enqueued job, so strings for error messages and paths are only
// built on failure, and nothing is allocated for a valid job.
function checkJobInput(input: unknown, where: string): void {
  if (!isPlainObject(input))
    reject('input', `expected a job input object, got ${describe(input)}`, where);
  for (const key in input) {
    if (!JOB_INPUT_KEYS.has(key)) {
      reject(key, `unknown key; expected only ${[...JOB_INPUT_KEYS].join(', ')}`, where);
    }
  }
  const job = input as Record<string, unknown>;

  if (job.id !== undefined && !isNonEmptyString(job.id)) {
    reject('id', `expected a non-empty string, got ${describe(job.id)}`, where);
  }
  if (!isNonEmptyString(job.documentId)) {
    reject('documentId', `expected a non-empty string, got ${describe(job.documentId)}`, where);
  }

  const scopes = job.scopes;
  if (!Array.isArray(scopes) || scopes.length === 0) {
    reject('scopes', `expected a non-empty array of scope names, got ${describe(scopes)}`, where);
  }
  for (let i = 0; i < scopes.length; i++) {
    const scope: unknown = scopes[i];
    if (!isNonEmptyString(scope)) {
      reject(`scopes[${i}]`, `expected a non-empty string, got ${describe(scope)}`, where);
    }
    // Jobs have a handful of scopes: a nested scan is cheaper than a Set here.
    for (let j = 0; j < i; j++) {
      if (scopes[j] === scope) {
        reject(
          `scopes[${i}]`,
          `expected unique scopes, got ${describe(scope)} again (see scopes[${j}])`,
          where,
        );
      }
    }
  }

  if (job.branch !== undefined && !isNonEmptyString(job.branch)) {
    reject('branch', `expected a non-empty string, got ${describe(job.branch)}`, where);
  }

  const actions = job.actions;
  if (!Array.isArray(actions) || actions.length === 0) {
    reject('actions', `expected a non-empty array of actions, got ${describe(actions)}`, where);
  }
  for (let i = 0; i < actions.length; i++) {
    checkAction(actions[i], i, scopes as string[], where);
    const id = (actions[i] as { id: string }).id;
    for (let j = 0; j < i; j++) {
      if ((actions[j] as { id: string }).id === id) {
        reject(
          `actions[${i}].id`,
          `expected action ids unique within the job, got ${describe(id)} again (see actions[${j}].id)`,
          where,
        );
      }
    }
  }

  if (job.resultingHash !== undefined && typeof job.resultingHash !== 'string') {
    reject('resultingHash', `expected a string, got ${describe(job.resultingHash)}`, where);
  }
  const maxRetries = job.maxRetries;
  if (
    maxRetries !== undefined &&
    (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0)
  ) {
    reject('maxRetries', `expected an integer ≥ 0, got ${describe(maxRetries)}`, where);
  }
  if (job.runAt !== undefined && (typeof job.runAt !== 'number' || !Number.isFinite(job.runAt))) {
    reject('runAt', `expected a finite number (ms since epoch), got ${describe(job.runAt)}`, where);
  }
  if (job.meta !== undefined && !isPlainObject(job.meta)) {
    reject('meta', `expected a plain object, got ${describe(job.meta)}`, where);
  }
}

function checkAction(action: unknown, i: number, scopes: string[], where: string): void {
  if (!isPlainObject(action))
    rejectAction(i, '', `expected an action object, got ${describe(action)}`, where);
  const a = action as Record<string, unknown>;
  if (!isNonEmptyString(a.id))
    rejectAction(i, 'id', `expected a non-empty string, got ${describe(a.id)}`, where);
  if (!isNonEmptyString(a.type)) {
    rejectAction(i, 'type', `expected a non-empty string, got ${describe(a.type)}`, where);
  }
  if (!isNonEmptyString(a.scope)) {
    rejectAction(i, 'scope', `expected a non-empty string, got ${describe(a.scope)}`, where);
  }
  if (!scopes.includes(a.scope as string)) {
    rejectAction(
      i,
      'scope',
      `expected one of the job's scopes (${scopes.map((s) => JSON.stringify(s)).join(', ')}), got ${describe(a.scope)}`,
      where,
    );
  }
  if (!('input' in a))
    rejectAction(i, 'input', 'expected an `input` (it may be null), got none', where);
  const timestamp = a.timestampUtcMs;
  if (
    typeof timestamp !== 'string' ||
    !ISO_DATE.test(timestamp) ||
    Number.isNaN(Date.parse(timestamp))
  ) {
    rejectAction(
      i,
      'timestampUtcMs',
      `expected an ISO-8601 date string, got ${describe(timestamp)}`,
      where,
    );
  }
  const context = a.context;
  if (context === undefined) return;
  if (!isPlainObject(context)) {
    rejectAction(i, 'context', `expected an object, got ${describe(context)}`, where);
  }
  const signer = (context as Record<string, unknown>).signer;
  if (signer === undefined) return;
  if (!isPlainObject(signer)) {
    rejectAction(i, 'context.signer', `expected an object, got ${describe(signer)}`, where);
  }
  for (const key of ['publicKey', 'signature'] as const) {
    const value = (signer as Record<string, unknown>)[key];
    if (typeof value !== 'string') {
      rejectAction(i, `context.signer.${key}`, `expected a string, got ${describe(value)}`, where);
    }
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description of a received value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}…` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value))
    return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
  }
  return typeof value;
}
