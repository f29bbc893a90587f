/**
 * Where handler jobs sit in the lane space (README: Semantics, "Handler jobs"). A lane is the
 * triple (documentId, scope, branch), keyed by the JSON array of the three. Handler jobs take
 * `documentId` `''`, which no document job can have (a document id is a non-empty identifier), so
 * a handler lane never shares a key with a document lane. Within that space the branch tells the
 * two kinds of handler lane apart: `key` for an ordering key (scope = the key), `job` for the one
 * private lane of a job without keys (scope = its id), so a key equal to some job's id does not
 * collide either. Every queue then orders handler jobs with the lane logic it already has.
 * @module
 */
import type { Job } from '../types.js';

/** The `documentId` of every handler job: the empty string, never a document's id. */
export const HANDLER_DOCUMENT_ID = '';
/** The branch of a lane that is an ordering key. */
export const KEY_BRANCH = 'key';
/** The branch of the private lane of a handler job without keys. */
export const SOLO_BRANCH = 'job';

/** Whether `job` is a handler job. */
export function isHandlerJob(job: Pick<Job, 'handler'>): boolean {
  return job.handler !== undefined;
}

/** The ordering keys of a handler job stored with lanes `scopes` on `branch`. */
export function keysOfLanes(branch: string, scopes: readonly string[]): string[] {
  return branch === KEY_BRANCH ? [...scopes] : [];
}
