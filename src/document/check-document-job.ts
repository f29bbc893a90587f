/**
 * The executor's checks of a job against the document it targets (README: Semantics, "Execution of
 * one job").
 * @module
 */
import { JobError, JobErrorCodes } from '../errors.js';
import type { Job } from '../types.js';
import { CREATE_DOCUMENT, DELETE_DOCUMENT } from './create-action.js';
import { type DocumentHeader, documentExists } from './document-header.js';
import { DOCUMENT_SCOPE, type DocumentModel, type ModelRegistry } from './document-model.js';
import { hashScopes } from './hash.js';

/** What a job does to its document. */
export type DocumentJobKind = 'create' | 'delete' | 'mutate';

/**
 * Checks the shape of a job the queue handed over: ids and scopes present, every action's scope
 * one of the job's scopes, no action twice in a scope.
 * @throws JobError `INVALID_JOB`
 */
export function checkJobShape(job: Job): void {
  if (typeof job.documentId !== 'string' || job.documentId.length === 0) {
    throw invalid('`documentId` must be a non-empty string');
  }
  if (typeof job.branch !== 'string' || job.branch.length === 0) {
    throw invalid('`branch` must be a non-empty string');
  }
  if (!Array.isArray(job.scopes) || job.scopes.length === 0) {
    throw invalid('`scopes` must be a non-empty array');
  }
  // Sets only where they pay: a job of one scope and one action (the usual) allocates none.
  const { scopes } = job;
  const scopeSet = scopes.length > 8 ? new Set(scopes) : undefined;
  if (scopes.length > 1 && (scopeSet ?? new Set(scopes)).size !== scopes.length) {
    throw invalid('`scopes` has duplicates');
  }
  if (!Array.isArray(job.actions)) throw invalid('`actions` must be an array');
  const actions = job.actions;
  const seen = actions.length > 1 ? new Set<string>() : undefined;
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i];
    if (action === null || typeof action !== 'object')
      throw invalid(`actions[${i}] is not an object`);
    if (typeof action.id !== 'string' || action.id.length === 0) {
      throw invalid(`actions[${i}].id must be a non-empty string`);
    }
    if (typeof action.type !== 'string' || action.type.length === 0) {
      throw invalid(`actions[${i}].type must be a non-empty string`);
    }
    if (typeof action.timestampUtcMs !== 'string') {
      throw invalid(`actions[${i}].timestampUtcMs must be an ISO date string`);
    }
    if (!(scopeSet === undefined ? scopes.includes(action.scope) : scopeSet.has(action.scope))) {
      throw invalid(`actions[${i}].scope '${String(action.scope)}' is not one of the job's scopes`);
    }
    if (seen === undefined) continue;
    const key = JSON.stringify([action.scope, action.id]); // injective, unlike a join
    if (seen.has(key))
      throw invalid(`action '${action.id}' appears twice in scope '${action.scope}'`);
    seen.add(key);
  }
}

/**
 * Classifies the job and finds its model, given the document's header.
 * - `CREATE_DOCUMENT` / `DELETE_DOCUMENT` must be the job's only action, in scope `document`, and
 *   the job must hold every scope of the model plus `document`; the `document` scope takes no
 *   other action type.
 * - Deleting, or mutating, a document that does not exist (or was deleted) is `DOCUMENT_NOT_FOUND`.
 * - Any other job may hold only its model's scopes (and `document`, as a plain lane).
 * @throws JobError `INVALID_JOB` or `DOCUMENT_NOT_FOUND`
 */
export function resolveDocumentJob(
  job: Job,
  header: DocumentHeader | null,
  models: ModelRegistry,
): { kind: DocumentJobKind; model: DocumentModel } {
  const lifecycle = job.actions.some(
    (action) =>
      action.scope === DOCUMENT_SCOPE ||
      action.type === CREATE_DOCUMENT ||
      action.type === DELETE_DOCUMENT,
  );
  if (!lifecycle) {
    if (!documentExists(header)) throw notFound(job);
    const model = registered(models, header.documentType);
    for (const scope of job.scopes) {
      if (scope !== DOCUMENT_SCOPE && !model.scopes.includes(scope)) {
        throw invalid(`scope '${scope}' is not a scope of '${model.documentType}'`);
      }
    }
    return { kind: 'mutate', model };
  }
  const action = job.actions[0];
  if (
    job.actions.length !== 1 ||
    action === undefined ||
    action.scope !== DOCUMENT_SCOPE ||
    (action.type !== CREATE_DOCUMENT && action.type !== DELETE_DOCUMENT)
  ) {
    throw invalid(
      `the '${DOCUMENT_SCOPE}' scope takes only ${CREATE_DOCUMENT} or ${DELETE_DOCUMENT}, ` +
        'as the only action of its job',
    );
  }
  const requested = (action.input as { documentType?: unknown } | null)?.documentType;
  let model: DocumentModel;
  if (action.type === CREATE_DOCUMENT) {
    if (typeof requested !== 'string' || requested.length === 0) {
      throw invalid(`${CREATE_DOCUMENT} needs input { documentType: string }`);
    }
    model = registered(models, requested);
  } else {
    if (!documentExists(header)) throw notFound(job);
    if (requested !== undefined && requested !== header.documentType) {
      throw invalid(
        `${DELETE_DOCUMENT} names type '${String(requested)}' but the document is a '${header.documentType}'`,
      );
    }
    model = registered(models, header.documentType);
  }
  const expected = [...model.scopes, DOCUMENT_SCOPE];
  if (job.scopes.length !== expected.length || !expected.every((s) => job.scopes.includes(s))) {
    throw invalid(
      `${action.type} must hold every scope of '${model.documentType}' plus '${DOCUMENT_SCOPE}' ` +
        `(${expected.join(', ')}), got ${job.scopes.join(', ')}`,
    );
  }
  return { kind: action.type === CREATE_DOCUMENT ? 'create' : 'delete', model };
}

/**
 * Compares the job's `resultingHash`, when given, with the hash of its resulting state: the hash
 * of its scope's state for a one-scope job, `hashScopes` over its scopes otherwise.
 * @param resultOf the state and state hash of a scope after the job.
 * @throws JobError `HASH_MISMATCH`
 */
export function checkResultingHash(
  job: Job,
  resultOf: (scope: string) => { state: unknown; hash: string },
): void {
  if (job.resultingHash === undefined) return;
  let actual: string;
  if (job.scopes.length === 1) {
    actual = resultOf(job.scopes[0]!).hash;
  } else {
    const states: Record<string, unknown> = {};
    for (const scope of job.scopes) states[scope] = resultOf(scope).state;
    actual = hashScopes(states);
  }
  if (actual !== job.resultingHash) {
    throw new JobError(
      JobErrorCodes.HASH_MISMATCH,
      `Resulting hash ${actual} differs from the expected ${job.resultingHash}`,
    );
  }
}

function registered(models: ModelRegistry, documentType: string): DocumentModel {
  const model = models.get(documentType);
  if (model === undefined)
    throw invalid(`no document model of type '${documentType}' is registered`);
  return model;
}

function invalid(message: string): JobError {
  return new JobError(JobErrorCodes.INVALID_JOB, `Invalid job: ${message}`);
}

function notFound(job: Job): JobError {
  return new JobError(
    JobErrorCodes.DOCUMENT_NOT_FOUND,
    `Document '${job.documentId}' does not exist on branch '${job.branch}'`,
  );
}
