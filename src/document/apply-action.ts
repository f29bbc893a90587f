/**
 * Applying one action to a draft state of its scope, for model scopes and the `document` scope.
 * @module
 */
import type { Action } from '../types.js';
import { applyHeaderAction, type DocumentHeader } from './document-header.js';
import { DOCUMENT_SCOPE, type DocumentModel, type ReducerContext } from './document-model.js';

/**
 * The state after `action`, given `draft`, a private copy of the state of `action.scope` that may
 * be mutated. The `document` scope uses the header reducer; other scopes use `model`'s reducer in
 * function form (mutate the draft and return nothing, or return a new state).
 * @throws whatever the reducer throws (the action is invalid).
 */
export function applyAction(
  model: DocumentModel | undefined,
  draft: unknown,
  action: Action,
  ctx: ReducerContext,
): unknown {
  if (action.scope === DOCUMENT_SCOPE) {
    return applyHeaderAction(draft as DocumentHeader | null, action);
  }
  if (model === undefined) throw new Error(`no document model for scope '${action.scope}'`);
  const next = model.reducer(draft, action, ctx);
  if (next === undefined) return draft;
  // Powerhouse hashes any falsy state as "": forbidding them keeps state hashes equal.
  if (!next) {
    throw new Error(
      `the reducer returned ${JSON.stringify(next)}: a scope's state must not be falsy ` +
        '(see README, Semantics: Document models)',
    );
  }
  return next;
}

/** A reducer context whose `dispatch` drops the actions (for re-applying stored operations). */
export function replayContext(documentId: string, scope: string, branch: string): ReducerContext {
  return { documentId, scope, branch, dispatch: () => {} };
}
