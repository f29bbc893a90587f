/**
 * The shapes of Powerhouse's document model packages that `seriatim/powerhouse` relies on, declared
 * structurally so seriatim's own types never import a Powerhouse package (see README, Powerhouse).
 * A `DocumentModelModule` of `@powerhousedao/shared` (e.g. `driveDocumentModelModule`) or of a
 * generated model package fits {@link PowerhouseModule}.
 * @module
 */
import type { Action } from '../types.js';

/** A Powerhouse action: seriatim's action fields, and a context that may carry a signer. */
export type PowerhouseAction = {
  id: string;
  type: string;
  scope: string;
  input: unknown;
  timestampUtcMs: string;
  context?: Record<string, unknown>;
};

/** One entry of a Powerhouse document's operation history, as far as seriatim reads it. */
export type PowerhouseOperation = {
  id: string;
  index: number;
  skip: number;
  hash: string;
  timestampUtcMs: string;
  error?: string;
  action: PowerhouseAction;
};

/** A Powerhouse document (`PHDocument`), as far as its reducer needs one. */
export type PowerhouseDocument = {
  header: Record<string, unknown> & { id: string; documentType: string; branch: string };
  state: Record<string, unknown>;
  initialState: Record<string, unknown>;
  operations: Record<string, PowerhouseOperation[] | undefined>;
  clipboard: unknown[];
};

/** Powerhouse's whole-document reducer: `reducer(document, action, dispatch, options)`. */
export type PowerhouseReducer = (
  document: PowerhouseDocument,
  action: PowerhouseAction,
  dispatch?: (signal: { type: string; input: unknown }) => void,
  options?: { branch?: string },
) => PowerhouseDocument;

/** A Powerhouse `DocumentModelModule`: `{ documentModel, reducer, actions, utils }`. */
export type PowerhouseModule = {
  /** The model's specification; `documentModel.global.id` is the document type. */
  documentModel: { global: { id: string } };
  /** Declared as a method so a model's own, narrower document type fits (parameter bivariance). */
  reducer(
    document: PowerhouseDocument,
    action: PowerhouseAction,
    dispatch?: (signal: { type: string; input: unknown }) => void,
    options?: { branch?: string },
  ): PowerhouseDocument;
  /** The model's action creators. */
  // biome-ignore lint/suspicious/noExplicitAny: action creators take model-specific inputs
  actions: Record<string, (...args: any[]) => PowerhouseAction>;
  utils: {
    /** The document's whole initial state: `{ auth, document, global, local, … }`. */
    createState(): Record<string, unknown>;
  };
  version?: number;
};

/**
 * Powerhouse actions typed as seriatim's `Action`s, for `submit({ actions })`: the same objects
 * (nothing is copied or checked here; `submit` checks them). Needed for the types only, since a
 * Powerhouse action's `context.signer` is not seriatim's Ed25519 `ActionSigner`.
 * @example
 * await reactor.submit({ documentId, scopes: ['global'], actions: powerhouseActions([setDriveName({ name: 'Team' })]) });
 */
export function powerhouseActions(actions: readonly PowerhouseAction[]): Action[] {
  return actions as Action[];
}
