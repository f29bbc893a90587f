/**
 * The boundary of job inputs (see README, Semantics): every queue enqueues what
 * {@link prepareJobInput} returns, a detached copy of the input made of plain JSON data, checked
 * once. What is checked is what is stored and applied, alike on every adapter; a job that breaks a
 * rule is rejected at `enqueue` with a `JobValidationError` naming the field, and never enters
 * the queue.
 * @module
 */
import { describeValue, quote } from './describe-value.js';
import { JobValidationError } from './errors.js';
import { copyHandlerJobInput, handlerJob } from './handlers/copy-handler-job-input.js';
import { isIsoTimestamp } from './iso-timestamp.js';
import {
  addBytes,
  addKey,
  beginWalk,
  checkIdentifier,
  copyJsonData,
  enter,
  fail,
  isPlainArray,
  isPlainRecord,
  JOB_LIMITS,
  leave,
  numberBytes,
  ownElement,
  ownKeys,
  ownValue,
  setData,
} from './json-data.js';
import { type Action, type HandlerJobInput, type Job, type JobInput, JobStatus } from './types.js';

export { JOB_LIMITS } from './json-data.js';

/** The branch of a job that names none. */
export const DEFAULT_BRANCH = 'main';

const JOB_INPUT_KEYS =
  'id, documentId, scopes, branch, actions, resultingHash, maxRetries, runAt, meta';

/** Up to this many scopes or actions, duplicates are found by a nested scan, not a Set. */
const SMALL = 16;

/**
 * Checks `input` and returns a detached copy of it made of plain JSON data, the one a queue
 * stores: throws a `JobValidationError` naming the first offending field (`documentId`,
 * `scopes[1]`, `actions[2].input.items[3]`, …), saying what was expected and how to fix it.
 *
 * Rules (limits in {@link JOB_LIMITS}): identifiers (`id`, `documentId`, each scope, `branch`,
 * each action's `id` and `type`) are non-empty, well-formed strings without control characters, at
 * most 512 bytes of UTF-8; `scopes` non-empty and unique; `actions` non-empty, each with a unique
 * `id`, a `type`, a `scope` among `scopes`, an `input` (null for none) and an ISO-8601
 * `timestampUtcMs`; `maxRetries` an integer 0..2^31−1; `runAt` an integer with |runAt| ≤ 8.64e15;
 * payloads (`input`, `context`, `meta`, and an action's other keys) JSON data only, nested at most
 * 64 deep; the whole input at most 1 MiB of JSON; no other top-level keys. Optional fields set to
 * `undefined` count as absent. Getters are never called and proxies are rejected: the input is
 * read once, as it is.
 *
 * @example
 * const copy = prepareJobInput({ documentId: 'doc-1', scopes: ['global'], actions: [action] });
 * prepareJobInput({ documentId: 'doc-1', scopes: ['global'], actions: [] });
 * // throws JobValidationError: Invalid `actions`: expected a non-empty array of actions, got an empty array
 */
export function prepareJobInput(input: unknown): JobInput {
  beginWalk(-1);
  return copyJobInput(input);
}

/**
 * {@link prepareJobInput} for a batch (all or nothing), which also rejects an `id` given twice in
 * the batch; the message names the position of the offending input (`(batch input 3)`).
 */
export function prepareJobInputs(inputs: unknown): JobInput[] {
  if (!isPlainArray(inputs)) {
    throw new JobValidationError(
      'inputs',
      `expected an array of job inputs, got ${describeValue(inputs)}`,
    );
  }
  const copies = new Array<JobInput>(inputs.length);
  let ids: Set<string> | undefined;
  for (let i = 0; i < inputs.length; i++) {
    beginWalk(i);
    const descriptor = Object.getOwnPropertyDescriptor(inputs, i);
    if (descriptor === undefined || !('value' in descriptor)) {
      fail(
        descriptor === undefined
          ? 'expected a job input, got a hole (an empty slot of a sparse array)'
          : 'expected a job input, got a getter/setter (it is never called)',
      );
    }
    const copy = copyJobInput(descriptor.value);
    copies[i] = copy;
    const id = copy.id;
    if (id === undefined) continue;
    ids ??= new Set();
    if (ids.has(id)) {
      throw new JobValidationError(
        'id',
        `expected a unique job id, got ${quote(id)} twice in the batch (batch input ${i})`,
      );
    }
    ids.add(id);
  }
  return copies;
}

/**
 * Checks that `input` is a valid {@link JobInput}, as {@link prepareJobInput} does, and throws a
 * `JobValidationError` naming the first offending field otherwise.
 */
export function validateJobInput(input: unknown): asserts input is JobInput {
  prepareJobInput(input);
}

/** Checks a batch of inputs, as {@link prepareJobInputs} does. */
export function validateJobInputs(inputs: unknown): asserts inputs is JobInput[] {
  prepareJobInputs(inputs);
}

/** What the queue adds to a prepared input to make a {@link Job}. */
export type JobDefaults = {
  /** Enqueue time, ms since epoch. */
  createdAt: number;
  /** Called for an id only when the input has none. */
  generateId: () => string;
};

/**
 * Checks and copies `input` ({@link prepareJobInput}) and turns the copy into a `PENDING`
 * {@link Job} with no attempts: the branch defaults to `'main'`, the id is generated when absent.
 */
export function normalizeJobInput(input: unknown, defaults: JobDefaults): Job {
  return toJob(prepareJobInput(input), defaults);
}

/**
 * Turns a copy made by {@link prepareJobInput} into a `PENDING` job, as {@link normalizeJobInput}
 * does, without checking it again; the job shares the copy's arrays.
 */
export function toJob(input: JobInput, defaults: JobDefaults): Job {
  if (input.handler !== undefined) {
    const copy = input as unknown as HandlerJobInput;
    return handlerJob(copy, copy.id ?? defaults.generateId(), defaults.createdAt);
  }
  const job: Job = {
    id: input.id ?? defaults.generateId(),
    documentId: input.documentId,
    scopes: input.scopes,
    branch: input.branch ?? DEFAULT_BRANCH,
    actions: input.actions,
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

/**
 * Checks `runAt`: an integer number of ms since the epoch, |runAt| ≤ {@link JOB_LIMITS}.maxRunAt.
 * @throws JobValidationError naming `field`.
 */
export function checkRunAt(value: unknown, field = 'runAt'): asserts value is number {
  if (!isRunAt(value)) throw new JobValidationError(field, runAtMessage(value));
}

function isRunAt(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= JOB_LIMITS.maxRunAt
  );
}

function runAtMessage(value: unknown): string {
  return `expected an integer number of ms since the epoch, at most ${JOB_LIMITS.maxRunAt} either way (JOB_LIMITS.maxRunAt), got ${describeValue(value)}; use Date.getTime()`;
}

// ─── the walk ──────────────────────────────────────────────────────────────────────────────────

/** Counts the JSON bytes of a top-level or action key: `"key":`, and a comma after the first. */
function keyBytes(key: string, first: boolean): void {
  addBytes(key.length + (first ? 3 : 4));
}

function copyJobInput(input: unknown): JobInput {
  if (!isPlainRecord(input)) fail(`expected a job input object, got ${describeValue(input)}`);
  if (Object.hasOwn(input, 'handler')) return copyHandlerJobInput(input);
  let id: unknown;
  let documentId: unknown;
  let scopes: unknown;
  let branch: unknown;
  let actions: unknown;
  let resultingHash: unknown;
  let maxRetries: unknown;
  let runAt: unknown;
  let meta: unknown;
  for (const key of ownKeys(input)) {
    const value = ownValue(input, key);
    switch (key) {
      case 'id':
        id = value;
        break;
      case 'documentId':
        documentId = value;
        break;
      case 'scopes':
        scopes = value;
        break;
      case 'branch':
        branch = value;
        break;
      case 'actions':
        actions = value;
        break;
      case 'resultingHash':
        resultingHash = value;
        break;
      case 'maxRetries':
        maxRetries = value;
        break;
      case 'runAt':
        runAt = value;
        break;
      case 'meta':
        meta = value;
        break;
      default:
        enter(key);
        fail(`unknown key ${quote(key)}; expected only ${JOB_INPUT_KEYS}`);
    }
  }

  addBytes(2);
  enter('documentId');
  keyBytes('documentId', true);
  const copy = { documentId: checkIdentifier(documentId) } as JobInput;
  leave();
  if (id !== undefined) {
    enter('id');
    keyBytes('id', false);
    copy.id = checkIdentifier(id);
    leave();
  }
  enter('scopes');
  keyBytes('scopes', false);
  const scopeList = copyScopes(scopes);
  copy.scopes = scopeList;
  leave();
  if (branch !== undefined) {
    enter('branch');
    keyBytes('branch', false);
    copy.branch = checkIdentifier(branch);
    leave();
  }
  enter('actions');
  keyBytes('actions', false);
  copy.actions = copyActions(actions, scopeList);
  leave();
  if (resultingHash !== undefined) {
    enter('resultingHash');
    keyBytes('resultingHash', false);
    copy.resultingHash = checkIdentifier(resultingHash);
    leave();
  }
  copyCommonFields(copy, maxRetries, runAt, meta);
  return copy;
}

/**
 * Copies the fields document and handler jobs share (`maxRetries`, `runAt`, `meta`) onto `copy`,
 * counting their bytes; absent (`undefined`) fields stay absent.
 */
export function copyCommonFields(
  copy: Pick<JobInput, 'maxRetries' | 'runAt' | 'meta'>,
  maxRetries: unknown,
  runAt: unknown,
  meta: unknown,
): void {
  if (maxRetries !== undefined) {
    enter('maxRetries');
    if (
      typeof maxRetries !== 'number' ||
      !Number.isInteger(maxRetries) ||
      maxRetries < 0 ||
      maxRetries > JOB_LIMITS.maxRetries
    ) {
      fail(
        `expected an integer from 0 to ${JOB_LIMITS.maxRetries} (JOB_LIMITS.maxRetries), got ${describeValue(maxRetries)}`,
      );
    }
    keyBytes('maxRetries', false);
    addBytes(numberBytes(maxRetries));
    copy.maxRetries = maxRetries;
    leave();
  }
  if (runAt !== undefined) {
    enter('runAt');
    if (!isRunAt(runAt)) fail(runAtMessage(runAt));
    keyBytes('runAt', false);
    addBytes(numberBytes(runAt));
    copy.runAt = runAt === 0 ? 0 : runAt;
    leave();
  }
  if (meta !== undefined) {
    enter('meta');
    if (!isPlainRecord(meta)) fail(`expected a plain object, got ${describeValue(meta)}`);
    keyBytes('meta', false);
    copy.meta = copyJsonData(meta) as Record<string, unknown>;
    leave();
  }
}

function copyScopes(scopes: unknown): string[] {
  if (!isPlainArray(scopes) || scopes.length === 0) {
    fail(`expected a non-empty array of scope names, got ${describeValue(scopes)}`);
  }
  const length = scopes.length;
  addBytes(length + 1);
  const copy = new Array<string>(length);
  const seen = length > SMALL ? new Set<string>() : undefined;
  for (let i = 0; i < length; i++) {
    const value = ownElement(scopes, i);
    enter(i);
    const scope = checkIdentifier(value);
    // Jobs have a handful of scopes: a nested scan is cheaper than a Set there.
    if (seen === undefined ? copy.indexOf(scope) >= 0 : seen.has(scope)) {
      fail(
        `expected unique scopes, got ${quote(scope)} again (see scopes[${copy.indexOf(scope)}])`,
      );
    }
    seen?.add(scope);
    copy[i] = scope;
    leave();
  }
  return copy;
}

function copyActions(actions: unknown, scopes: string[]): Action[] {
  if (!isPlainArray(actions) || actions.length === 0) {
    fail(`expected a non-empty array of actions, got ${describeValue(actions)}`);
  }
  const length = actions.length;
  addBytes(length + 1);
  const copy = new Array<Action>(length);
  const scopeSet = scopes.length > SMALL ? new Set(scopes) : undefined;
  const ids = length > SMALL ? new Map<string, number>() : undefined;
  for (let i = 0; i < length; i++) {
    const value = ownElement(actions, i);
    enter(i);
    const action = copyAction(value, scopes, scopeSet);
    const seen = ids === undefined ? indexOfId(copy, i, action.id) : (ids.get(action.id) ?? -1);
    if (seen >= 0) {
      enter('id');
      fail(
        `expected action ids unique within the job, got ${quote(action.id)} again (see actions[${seen}].id)`,
      );
    }
    ids?.set(action.id, i);
    copy[i] = action;
    leave();
  }
  return copy;
}

function indexOfId(actions: Action[], length: number, id: string): number {
  for (let j = 0; j < length; j++) if ((actions[j] as Action).id === id) return j;
  return -1;
}

const ACTION_KEYS: ReadonlySet<string> = new Set([
  'id',
  'type',
  'scope',
  'input',
  'timestampUtcMs',
  'context',
]);

function copyAction(value: unknown, scopes: string[], scopeSet: Set<string> | undefined): Action {
  if (!isPlainRecord(value)) fail(`expected an action object, got ${describeValue(value)}`);
  const keys = ownKeys(value);
  let id: unknown;
  let type: unknown;
  let scope: unknown;
  let input: unknown;
  let hasInput = false;
  let timestamp: unknown;
  let context: unknown;
  let others = 0;
  for (const key of keys) {
    const field = ownValue(value, key);
    switch (key) {
      case 'id':
        id = field;
        break;
      case 'type':
        type = field;
        break;
      case 'scope':
        scope = field;
        break;
      case 'input':
        input = field;
        hasInput = true;
        break;
      case 'timestampUtcMs':
        timestamp = field;
        break;
      case 'context':
        context = field;
        break;
      default:
        others++;
    }
  }

  addBytes(2);
  enter('id');
  keyBytes('id', true);
  const copy = { id: checkIdentifier(id) } as Action;
  leave();
  enter('type');
  keyBytes('type', false);
  copy.type = checkIdentifier(type);
  leave();
  enter('scope');
  if (typeof scope !== 'string' || scope.length === 0) {
    fail(`expected a non-empty string, got ${describeValue(scope)}`);
  }
  if (scopeSet === undefined ? !scopes.includes(scope) : !scopeSet.has(scope)) {
    const names = scopes.slice(0, SMALL).map(quote).join(', ');
    fail(
      `expected one of the job's scopes (${names}${scopes.length > SMALL ? ', …' : ''}), got ${quote(scope)}`,
    );
  }
  keyBytes('scope', false);
  copy.scope = checkIdentifier(scope);
  leave();
  enter('input');
  if (!hasInput) fail('expected an `input` (null for none), got none');
  if (input === undefined) fail('expected an `input` (null for none), got undefined; use null');
  keyBytes('input', false);
  copy.input = copyJsonData(input);
  leave();
  enter('timestampUtcMs');
  if (typeof timestamp !== 'string' || !isIsoTimestamp(timestamp)) {
    fail(
      `expected an ISO-8601 date string, got ${describeValue(timestamp)}; use new Date(ms).toISOString()`,
    );
  }
  keyBytes('timestampUtcMs', false);
  addBytes(timestamp.length + 2); // ASCII, nothing escaped
  copy.timestampUtcMs = timestamp;
  leave();
  if (context !== undefined) {
    enter('context');
    if (!isPlainRecord(context)) fail(`expected a plain object, got ${describeValue(context)}`);
    keyBytes('context', false);
    copy.context = copyJsonData(context) as Action['context'];
    checkSigner(copy.context as Record<string, unknown>);
    leave();
  }
  if (others > 0) copyOtherKeys(value, keys, copy as Record<string, unknown>);
  return copy;
}

/**
 * Checks the `signer` of a copied context: an object; when it has a `publicKey` or a
 * `signature` (an Ed25519 signer), both strings. Another scheme's signer (Powerhouse's
 * `{ user, app, signatures }`) is left to the reactor's verifier.
 */
function checkSigner(context: Record<string, unknown>): void {
  const signer = context.signer;
  if (signer === undefined) return;
  enter('signer');
  if (signer === null || typeof signer !== 'object' || Array.isArray(signer)) {
    fail(`expected an object, got ${describeValue(signer)}`);
  }
  if (!('publicKey' in signer) && !('signature' in signer)) {
    leave();
    return;
  }
  for (const key of ['publicKey', 'signature'] as const) {
    const value = (signer as Record<string, unknown>)[key];
    if (typeof value !== 'string') {
      enter(key);
      fail(`expected a string, got ${describeValue(value)}`);
    }
  }
  leave();
}

/** Copies an action's keys other than the known ones, as payload data. */
function copyOtherKeys(
  source: Record<string, unknown>,
  keys: string[],
  copy: Record<string, unknown>,
): void {
  for (const key of keys) {
    if (ACTION_KEYS.has(key)) continue;
    const value = ownValue(source, key);
    if (value === undefined) continue;
    enter(key);
    addKey(key, false);
    setData(copy, key, copyJsonData(value));
    leave();
  }
}
