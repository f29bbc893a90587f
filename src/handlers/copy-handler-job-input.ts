/**
 * The boundary of handler jobs (README: Handler jobs): checks a {@link HandlerJobInput} and turns
 * it into the job input a queue stores, its keys as lanes (see `handler-lanes.ts`). Called by
 * `prepareJobInput` for an input with a `handler` key, so every queue checks handler jobs the
 * same way and in the same walk (paths, byte limit) as document jobs.
 * @module
 */
import { describeValue, quote } from '../describe-value.js';
import {
  addBytes,
  checkIdentifier,
  copyJsonData,
  enter,
  fail,
  isPlainArray,
  leave,
  ownElement,
  ownKeys,
  ownValue,
} from '../json-data.js';
import { type HandlerJobInput, type Job, type JobInput, JobStatus } from '../types.js';
import { copyCommonFields } from '../validate-job.js';
import { HANDLER_DOCUMENT_ID, KEY_BRANCH, SOLO_BRANCH } from './handler-lanes.js';

const HANDLER_JOB_KEYS = 'id, handler, input, keys, maxRetries, runAt, meta';

/** Checks a handler job input (its own keys already known to hold `handler`) and copies it. */
export function copyHandlerJobInput(input: Record<string, unknown>): JobInput {
  let id: unknown;
  let handler: unknown;
  let payload: unknown;
  let keys: unknown;
  let maxRetries: unknown;
  let runAt: unknown;
  let meta: unknown;
  for (const key of ownKeys(input)) {
    const value = ownValue(input, key);
    switch (key) {
      case 'id':
        id = value;
        break;
      case 'handler':
        handler = value;
        break;
      case 'input':
        payload = value;
        break;
      case 'keys':
        keys = value;
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
        fail(`unknown key ${quote(key)}; a handler job takes only ${HANDLER_JOB_KEYS}`);
    }
  }
  addBytes(2);
  enter('handler');
  addBytes(10);
  const type = checkIdentifier(handler);
  leave();
  // The copy keeps the handler job's own shape, so preparing it again (a schedule does) passes;
  // `handlerJob` gives it its lanes.
  const copy: HandlerJobInput = {
    handler: type,
    input: null,
    keys: keys === undefined ? [] : copyKeys(keys),
  };
  if (id !== undefined) {
    enter('id');
    addBytes(6);
    copy.id = checkIdentifier(id);
    leave();
  }
  if (payload !== undefined) {
    enter('input');
    addBytes(9);
    copy.input = copyJsonData(payload);
    leave();
  }
  copyCommonFields(copy, maxRetries, runAt, meta);
  return copy as unknown as JobInput;
}

/**
 * The job of a prepared handler job copy: document `''`, its keys as lanes (branch `key`), or one
 * lane of its own named by its id (branch `job`) when it has none (see `handler-lanes.ts`).
 */
export function handlerJob(copy: HandlerJobInput, id: string, createdAt: number): Job {
  const keys = copy.keys ?? [];
  const job: Job = {
    id,
    documentId: HANDLER_DOCUMENT_ID,
    scopes: keys.length > 0 ? keys : [id],
    branch: keys.length > 0 ? KEY_BRANCH : SOLO_BRANCH,
    actions: [],
    status: JobStatus.PENDING,
    createdAt,
    attempts: 0,
    handler: copy.handler,
    input: copy.input ?? null,
    keys,
  };
  if (copy.maxRetries !== undefined) job.maxRetries = copy.maxRetries;
  if (copy.runAt !== undefined) job.runAt = copy.runAt;
  if (copy.meta !== undefined) job.meta = copy.meta;
  return job;
}

function copyKeys(keys: unknown): string[] {
  enter('keys');
  if (!isPlainArray(keys)) {
    fail(`expected an array of key strings (or no keys), got ${describeValue(keys)}`);
  }
  addBytes(9 + keys.length);
  const copy: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < keys.length; i++) {
    const value = ownElement(keys, i);
    enter(i);
    const key = checkIdentifier(value);
    if (seen.has(key)) {
      fail(`expected unique keys, got ${quote(key)} again (see keys[${copy.indexOf(key)}])`);
    }
    seen.add(key);
    copy.push(key);
    leave();
  }
  leave();
  return copy;
}
