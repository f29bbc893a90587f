/**
 * `fromPowerhouseModule`: a Powerhouse document model module as a seriatim document model (see
 * README, Powerhouse).
 * @module
 */
import {
  type DocumentModel,
  defineDocumentModel,
  type ReducerContext,
  type ReducerErrorPolicy,
} from '../document/document-model.js';
import { JobError, JobErrorCodes, JobValidationError } from '../errors.js';
import type { Action } from '../types.js';
import type {
  PowerhouseAction,
  PowerhouseDocument,
  PowerhouseModule,
  PowerhouseReducer,
} from './powerhouse-types.js';

/** The keys of a Powerhouse state that are not scopes seriatim runs lanes for. */
export const POWERHOUSE_EXCLUDED_SCOPES: readonly string[] = Object.freeze(['document', 'auth']);

/**
 * Powerhouse's document actions, which act on the document's header or operation history (kept by
 * Powerhouse, not by seriatim): a job holding one fails with `INVALID_JOB`.
 */
export const UNSUPPORTED_POWERHOUSE_ACTIONS: readonly string[] = Object.freeze([
  'UNDO',
  'REDO',
  'PRUNE',
  'LOAD_STATE',
  'NOOP',
  'SET_NAME',
  'SET_PREFERRED_EDITOR',
]);

/** Options of {@link fromPowerhouseModule}. */
export type FromPowerhouseModuleOptions = {
  /**
   * What a reducer's throw does: Powerhouse records it on the operation (`'record'`); `'reject'`
   * fails the job instead (see `DocumentModel.onReducerError`).
   * @default 'record'
   */
  onReducerError?: ReducerErrorPolicy;
};

/** The Powerhouse-specific part of a model made by {@link fromPowerhouseModule}. */
export type PowerhouseDocumentModel = DocumentModel & {
  /** The module the model was made from. */
  readonly powerhouse: PowerhouseModule;
};

/**
 * A seriatim document model that runs a Powerhouse `DocumentModelModule`'s own reducer. Its
 * `documentType` is `module.documentModel.global.id`; its scopes are the keys of
 * `module.utils.createState()` except `document` and `auth` (Powerhouse's header and
 * authorization state, which seriatim does not keep); each scope's initial state is that of
 * `createState()`. Each action runs through `module.reducer` on a document holding the scope's
 * state, so mutative drafts, input validation and signals behave as in Powerhouse; signals the
 * reducer dispatches are returned in `JobResult.metadata.dispatched`. A reducer throw is recorded
 * on the operation, as Powerhouse does (`onReducerError: 'record'`). Actions of
 * {@link UNSUPPORTED_POWERHOUSE_ACTIONS} fail their job with `INVALID_JOB`.
 * @throws JobValidationError naming the field when `module` is not a document model module.
 * @example
 * import { driveDocumentModelModule } from '@powerhousedao/shared/document-drive';
 * import { fromPowerhouseModule } from 'seriatim/powerhouse';
 * const drive = fromPowerhouseModule(driveDocumentModelModule);
 * const reactor = await createReactor({ models: [drive] });
 */
export function fromPowerhouseModule(
  module: PowerhouseModule,
  options: FromPowerhouseModuleOptions = {},
): PowerhouseDocumentModel {
  const { documentType, reducer, createState } = checkModule(module);
  const base = createState.call(module.utils);
  const scopes = Object.keys(base).filter((key) => !POWERHOUSE_EXCLUDED_SCOPES.includes(key));
  const model = defineDocumentModel<unknown>({
    documentType,
    scopes,
    onReducerError: options.onReducerError ?? 'record',
    initialState() {
      const state = createState.call(module.utils);
      const initial: Record<string, unknown> = {};
      for (const scope of scopes) initial[scope] = state[scope];
      return initial;
    },
    reducer(state, action, ctx) {
      return reduceScope(reducer, documentType, base, state, action, ctx);
    },
  });
  return Object.freeze({ ...model, powerhouse: module });
}

/** The state of `action.scope` after Powerhouse's reducer applied `action` to `state`. */
function reduceScope(
  reducer: PowerhouseReducer,
  documentType: string,
  base: Record<string, unknown>,
  state: unknown,
  action: Action,
  ctx: ReducerContext,
): unknown {
  if (UNSUPPORTED_POWERHOUSE_ACTIONS.includes(action.type)) {
    throw new JobError(
      JobErrorCodes.INVALID_JOB,
      `Invalid job: action '${action.id}' is a Powerhouse ${action.type}, which changes the ` +
        "document's header or history; seriatim keeps neither (see README, Powerhouse)",
    );
  }
  const { scope } = action;
  const documentState = { ...base, [scope]: state };
  const document: PowerhouseDocument = {
    header: {
      id: ctx.documentId,
      documentType,
      branch: ctx.branch,
      name: '',
      slug: '',
      createdAtUtcIso: action.timestampUtcMs,
      lastModifiedAtUtcIso: action.timestampUtcMs,
      revision: {},
      sig: { publicKey: {}, nonce: '' },
      protocolVersions: { 'base-reducer': 2 },
    },
    state: documentState,
    initialState: documentState,
    operations: { [scope]: [] },
    clipboard: [],
  };
  const next = reducer(
    document,
    action as PowerhouseAction,
    (signal) => ctx.dispatch(signal as Action),
    {
      branch: ctx.branch,
    },
  );
  const error = next.operations[scope]?.at(-1)?.error;
  // Powerhouse records the throw on the operation; seriatim's executor records it from a throw.
  if (error !== undefined) throw new Error(error);
  return next.state[scope];
}

function checkModule(module: PowerhouseModule): {
  documentType: string;
  reducer: PowerhouseReducer;
  createState: () => Record<string, unknown>;
} {
  if (module === null || typeof module !== 'object') {
    throw new JobValidationError(
      'module',
      `expected a Powerhouse DocumentModelModule { documentModel, reducer, actions, utils }, got ${typeof module}`,
    );
  }
  const documentType = module.documentModel?.global?.id;
  if (typeof documentType !== 'string' || documentType.length === 0) {
    throw new JobValidationError(
      'module.documentModel.global.id',
      'expected the model id (its document type), a non-empty string',
    );
  }
  if (typeof module.reducer !== 'function') {
    throw new JobValidationError('module.reducer', 'expected the whole-document reducer function');
  }
  const createState = module.utils?.createState;
  if (typeof createState !== 'function') {
    throw new JobValidationError('module.utils.createState', 'expected a function');
  }
  return { documentType, reducer: module.reducer, createState };
}
