/**
 * `seriatim/powerhouse`: Powerhouse document models on seriatim (see README, Powerhouse). The
 * Powerhouse packages are optional peer dependencies of this entry only: nothing else in seriatim
 * loads them, and this entry reads them only through the module passed in.
 * @module
 */
export {
  type FromPowerhouseModuleOptions,
  fromPowerhouseModule,
  POWERHOUSE_EXCLUDED_SCOPES,
  type PowerhouseDocumentModel,
  UNSUPPORTED_POWERHOUSE_ACTIONS,
} from './from-powerhouse-module.js';
export {
  type PowerhouseCreateDocumentOptions,
  powerhouseCreateDocumentJob,
  UPGRADE_DOCUMENT,
} from './powerhouse-document-job.js';
export {
  type PowerhouseAction,
  type PowerhouseDocument,
  type PowerhouseModule,
  type PowerhouseOperation,
  type PowerhouseReducer,
  powerhouseActions,
} from './powerhouse-types.js';
export {
  type PowerhouseVerifierOptions,
  powerhouseInputHash,
  powerhouseSignatureMessage,
  powerhouseVerifier,
  publicKeyOfDidKey,
} from './powerhouse-verifier.js';
