/**
 * The boundary of handler jobs (README: Handler jobs): checks a {@link HandlerJobInput} and turns
 * it into the job input a queue stores, its keys as lanes (see `handler-lanes.ts`). Called by
 * `prepareJobInput` for an input with a `handler` key, so every queue checks handler jobs the
 * same way and in the same walk (paths, byte limit) as document jobs.
 * @internal
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
import type { JobInput } from '../types.js';
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
  const keyList = keys === undefined ? [] : copyKeys(keys);
  const copy: JobInput = {
    documentId: HANDLER_DOCUMENT_ID,
    scopes: keyList,
    branch: keyList.length > 0 ? KEY_BRANCH : SOLO_BRANCH,
    actions: [],
    handler: type,
    input: null,
    keys: keyList,
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
  return copy;
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
