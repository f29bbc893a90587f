/**
 * seriatim: strictly ordered document-operation jobs per document/scope/branch lane, on XState v5
 * actors. This file is the allow-list of public names; the durable adapters are the subpath
 * entries `seriatim/sqlite` and `seriatim/postgres`, the example models `seriatim/examples`.
 * @module
 */

// Runtime
export {
  type ExecutorStats,
  type ExecutorStatus,
  JobExecutorManager,
  type JobExecutorManagerOptions,
  type LaneFailurePolicy,
} from './actors/job-executor-manager.js';
// Memory adapters and validation
export { MemoryEventBus, MemoryOperationStore, MemoryQueue } from './adapters/memory/index.js';
export { MemoryScheduleStore } from './adapters/memory/memory-schedule-store.js';
export type * from './adapters/ports.js';
export { type Clock, systemClock } from './clock.js';
// Reactor
export {
  createReactor,
  type Reactor,
  type ReactorOptions,
  type StopOptions,
  type StorageOption,
} from './create-reactor.js';
export {
  CREATE_DOCUMENT,
  type CreateActionInput,
  createAction,
  createDocumentJob,
  DELETE_DOCUMENT,
  type DocumentJobInput,
  deleteDocumentJob,
} from './document/create-action.js';
export {
  DocumentJobExecutor,
  type DocumentJobExecutorOptions,
  type ReducerErrorReport,
} from './document/document-job-executor.js';
// Document layer
export {
  DOCUMENT_SCOPE,
  type DocumentModel,
  defineDocumentModel,
  ModelRegistry,
  type ReducerContext,
  type ReducerErrorPolicy,
} from './document/document-model.js';
export { hashScopes, hashState } from './document/hash.js';
export { operationId } from './document/operation-id.js';
export {
  ed25519Verifier,
  generateSignerKeys,
  type SignatureCheck,
  type SignatureTarget,
  type SignatureVerifier,
  type SignerKeys,
  signAction,
  signingPayload,
  verifyAction,
} from './document/signature.js';
export { stableStringify } from './document/stable-stringify.js';
// Domain, errors, events, ports
export {
  ConfigError,
  errorCodeName,
  isRetryableCode,
  JobError,
  type JobErrorCode,
  JobErrorCodes,
  JobValidationError,
  MissingDependencyError,
  NonRetryableError,
  ReactorClosedError,
  StaleClaimError,
  StorageUnavailableError,
  toJobError,
  WriteConflictError,
} from './errors.js';
export * from './events.js';
export type { HandlerCheckpoint } from './handlers/handler-checkpoint.js';
// Handler jobs
export { HANDLER_LIMITS } from './handlers/handler-job-executor.js';
export type { Handler, HandlerContext } from './handlers/handler-registry.js';
export type { WaitOptions, WaitRequest } from './handlers/wait-request.js';
export { backoffDelay } from './machines/backoff.js';
// Machines (for inspection, model-based tests and diagrams)
export { jobLifecycleMachine } from './machines/job-lifecycle.js';
export { laneMachine } from './machines/lane-machine.js';
export { supervisorMachine } from './machines/supervisor-machine.js';
export {
  type JobStats,
  Metrics,
  type MetricsOptions,
  UNKNOWN_DOCUMENT_TYPE,
} from './metrics/metrics.js';
export { DEFAULTS, type ExecutorOptions, resolveOptions } from './options.js';
export {
  type RecurringJob,
  type RecurringScheduleInput,
  type ScheduleInfo,
  Scheduler,
  type SchedulerOptions,
  tickJobId,
} from './scheduler/scheduler.js';
export type { TelemetryOptions } from './telemetry/telemetry-options.js';
export * from './types.js';
export {
  JOB_LIMITS,
  prepareJobInput,
  prepareJobInputs,
  validateJobInput,
} from './validate-job.js';
