/**
 * Document model modules (README: Semantics, "Document models") and the registry that finds them
 * by `documentType`.
 * @module
 */
import { JobValidationError } from '../errors.js';
import type { Action } from '../types.js';
import { stableStringify } from './stable-stringify.js';

/** The scope reserved for a document's header (its type, creation and deletion). */
export const DOCUMENT_SCOPE = 'document';

/** What a reducer is told besides the state and the action. */
export type ReducerContext = {
  documentId: string;
  /** The scope of the action, whose state the reducer receives. */
  scope: string;
  branch: string;
  /**
   * Collects a follow-up action. It is not applied or enqueued: the executor returns the
   * collected actions in `JobResult.metadata.dispatched`.
   */
  dispatch(action: Action): void;
};

/**
 * A document model: its type, its scopes, the initial state of each scope, and a pure reducer.
 * `TState` is the state of one scope (a union when the scopes differ).
 */
export type DocumentModel<TState = unknown> = {
  /** Unique in a registry, e.g. `'seriatim/counter'`. */
  readonly documentType: string;
  /** The scopes of the document, non-empty, unique, never `'document'` (reserved). */
  readonly scopes: readonly string[];
  /** A fresh initial state for every scope. Called whenever one is needed; must be pure. */
  initialState(): Record<string, TState>;
  /**
   * Applies `action` to `state`, the state of `action.scope` handed over as a draft: mutate it and
   * return nothing, or return a new state. Pure: no I/O, clock or randomness. A throw rejects the
   * action: see {@link DocumentModel.onReducerError}; a thrown `JobError` fails the job with its
   * own code under either policy (for actions the model refuses to run at all).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a mutating reducer returns nothing at all
  reducer(state: TState, action: Action, ctx: ReducerContext): TState | undefined | void;
  /**
   * What a reducer's throw does. `'reject'`: the job fails with `LIBRARY_ERROR` and nothing is
   * written. `'record'` (Powerhouse's semantics): the action's operation is written with
   * `error` (the thrown message), its index is consumed, the scope's state and hash stay as they
   * were, and the job succeeds, listing the rejections in `JobResult.metadata.reducerErrors`.
   * @default 'reject'
   */
  readonly onReducerError?: ReducerErrorPolicy;
};

/** What a reducer's throw does to its job (see {@link DocumentModel.onReducerError}). */
export type ReducerErrorPolicy = 'reject' | 'record';

/**
 * Checks a document model and returns it frozen (with its own copy of `scopes`).
 * @throws JobValidationError naming the field: `documentType` (empty), `scopes` (empty, not
 * strings, duplicated or containing `'document'`), `initialState` (not a function, missing a
 * scope, a falsy scope state — `null`, `0`, `false`, `''` — or not JSON-serialisable), `reducer` (not a function), `onReducerError` (not `'reject'`
 * or `'record'`).
 * @example
 * const counter = defineDocumentModel({
 *   documentType: 'acme/counter',
 *   scopes: ['global'],
 *   initialState: () => ({ global: { count: 0 } }),
 *   reducer(state, action) {
 *     if (action.type === 'INCREMENT') state.count += 1;
 *   },
 * });
 */
export function defineDocumentModel<TState>(def: DocumentModel<TState>): DocumentModel<TState> {
  if (def === null || typeof def !== 'object') {
    throw new JobValidationError('model', `expected an object, got ${typeof def}`);
  }
  const { documentType, scopes, initialState, reducer, onReducerError = 'reject' } = def;
  if (typeof documentType !== 'string' || documentType.length === 0) {
    throw new JobValidationError('documentType', 'expected a non-empty string');
  }
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new JobValidationError('scopes', 'expected a non-empty array of scope names');
  }
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope.length === 0) {
      throw new JobValidationError('scopes', `expected non-empty strings, got ${String(scope)}`);
    }
    if (scope === DOCUMENT_SCOPE) {
      throw new JobValidationError('scopes', `the scope '${DOCUMENT_SCOPE}' is reserved`);
    }
    if (seen.has(scope)) throw new JobValidationError('scopes', `duplicate scope '${scope}'`);
    seen.add(scope);
  }
  if (typeof initialState !== 'function') {
    throw new JobValidationError('initialState', 'expected a function');
  }
  if (typeof reducer !== 'function') {
    throw new JobValidationError('reducer', 'expected a function');
  }
  if (onReducerError !== 'reject' && onReducerError !== 'record') {
    throw new JobValidationError(
      'onReducerError',
      `expected 'reject' or 'record', got ${JSON.stringify(String(onReducerError))}`,
    );
  }
  const initial: unknown = initialState.call(def);
  if (initial === null || typeof initial !== 'object') {
    throw new JobValidationError('initialState', 'expected it to return an object of scopes');
  }
  const states = initial as Record<string, unknown>;
  for (const scope of scopes) {
    if (states[scope] === undefined) {
      throw new JobValidationError('initialState', `no initial state for scope '${scope}'`);
    }
    if (!states[scope]) {
      throw new JobValidationError(
        'initialState',
        `the state of scope '${scope}' is ${JSON.stringify(states[scope])}: a scope's state must ` +
          'not be falsy (Powerhouse hashes every falsy state as ""); wrap it, e.g. { value: 0 }',
      );
    }
  }
  for (const scope of Object.keys(states)) {
    if (!seen.has(scope)) {
      throw new JobValidationError('initialState', `unknown scope '${scope}'`);
    }
  }
  try {
    stableStringify(states);
  } catch (error) {
    throw new JobValidationError(
      'initialState',
      `the state must be JSON-serialisable (${(error as Error).message})`,
    );
  }
  return Object.freeze({
    documentType,
    scopes: Object.freeze([...scopes]),
    initialState: () => initialState.call(def),
    reducer: (state: TState, action: Action, ctx: ReducerContext) =>
      reducer.call(def, state, action, ctx),
    onReducerError,
  });
}

/**
 * The document models an executor knows, by `documentType`.
 * @example
 * const models = new ModelRegistry([counterModel, todoModel]);
 * models.get('seriatim/counter')?.scopes; // ['global', 'local']
 */
export class ModelRegistry {
  readonly #models = new Map<string, DocumentModel>();

  /** Registers every model of `models` (each validated as by {@link defineDocumentModel}). */
  constructor(models: Iterable<DocumentModel> = []) {
    for (const model of models) this.register(model);
  }

  /**
   * Adds a model after validating it.
   * @throws JobValidationError (`documentType`) when a model of that type is registered already.
   */
  register(model: DocumentModel): this {
    const checked = defineDocumentModel(model);
    if (this.#models.has(checked.documentType)) {
      throw new JobValidationError(
        'documentType',
        `a model of type '${checked.documentType}' is registered already`,
      );
    }
    this.#models.set(checked.documentType, checked);
    return this;
  }

  /** The model of `documentType`, or undefined. */
  get(documentType: string): DocumentModel | undefined {
    return this.#models.get(documentType);
  }

  /** Whether a model of `documentType` is registered. */
  has(documentType: string): boolean {
    return this.#models.has(documentType);
  }

  /** The registered document types, in registration order. */
  documentTypes(): string[] {
    return [...this.#models.keys()];
  }
}
