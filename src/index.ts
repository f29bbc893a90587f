/**
 * seriatim: strictly ordered document-operation jobs per document/scope/branch lane.
 * This file is the allow-list of public names.
 * @module
 */

export type * from './adapters/ports.js';
export { type Clock, systemClock } from './clock.js';
export {
  errorCodeName,
  isRetryableCode,
  JobError,
  type JobErrorCode,
  JobErrorCodes,
  JobValidationError,
  StaleClaimError,
  toJobError,
  WriteConflictError,
} from './errors.js';
export * from './events.js';
export { DEFAULTS, type ExecutorOptions, resolveOptions } from './options.js';
export * from './types.js';
