/**
 * Error codes and error classes (README: Error codes).
 * @module
 */

/** Numeric codes of job errors. */
export const JobErrorCodes = Object.freeze({
  SIGNATURE_INVALID: 90001,
  UNAUTHORIZED: 90002,
  HASH_MISMATCH: 90003,
  REBASE_FAILED: 90004,
  LIBRARY_ERROR: 90005,
  IO_ERROR: 90006,
  TIMEOUT: 90007,
  DOCUMENT_NOT_FOUND: 90008,
  INVALID_JOB: 90009,
  GRACEFUL_ABORT: 90010,
  /** A handler job's handler threw a {@link NonRetryableError}, or returned what cannot be stored. */
  HANDLER_FAILED: 90011,
} as const);
export type JobErrorCode = (typeof JobErrorCodes)[keyof typeof JobErrorCodes];
export type JobErrorName = keyof typeof JobErrorCodes;

const RETRYABLE: ReadonlySet<number> = new Set([JobErrorCodes.IO_ERROR, JobErrorCodes.TIMEOUT]);
const FATAL: ReadonlySet<number> = new Set([
  JobErrorCodes.HASH_MISMATCH,
  JobErrorCodes.REBASE_FAILED,
]);

/** The name of a code, e.g. `90006` → `'IO_ERROR'`. */
export function errorCodeName(code: number): JobErrorName | 'UNKNOWN' {
  for (const [name, value] of Object.entries(JobErrorCodes)) {
    if (value === code) return name as JobErrorName;
  }
  return 'UNKNOWN';
}

/** Whether errors with this code are retried with backoff. */
export function isRetryableCode(code: number): boolean {
  return RETRYABLE.has(code);
}

/** Whether errors with this code take the fatal path (sync, re-apply once, `fatalError`). */
export function isFatalCode(code: number): boolean {
  return FATAL.has(code);
}

/** A job failure with a numeric code; `retryable` is decided by the code. */
export class JobError extends Error {
  override readonly name = 'JobError';
  readonly code: JobErrorCode;
  readonly retryable: boolean;
  /** Same as `code` (the executor interface's naming). */
  readonly errorCode: number;
  /** Same as `message` (the executor interface's naming). */
  readonly errorMessage: string;
  /**
   * The attempt's write may have been stored: it failed without saying, and the store could not
   * be read back. Retried whatever the retries left, until the outcome is known (README,
   * Semantics: "Faults at the ports").
   */
  readonly outcomeUnknown: boolean;

  constructor(
    code: JobErrorCode,
    message: string,
    options?: { cause?: unknown; outcomeUnknown?: boolean },
  ) {
    super(message, options);
    this.code = code;
    this.errorCode = code;
    this.errorMessage = message;
    this.retryable = isRetryableCode(code);
    this.outcomeUnknown = options?.outcomeUnknown === true && this.retryable;
  }

  /** `IO_ERROR` etc., for logs. */
  get codeName(): string {
    return errorCodeName(this.code);
  }
}

/**
 * Thrown by a handler (README: Handler jobs) to fail its job for good: it is not retried, and
 * the job fails with `HANDLER_FAILED` and this error's message. Any other throw is retried with
 * backoff (as `IO_ERROR`) while retries are left.
 * @example
 * reactor.registerHandler('email', async ({ to }) => {
 *   if (!to.includes('@')) throw new NonRetryableError(`not an address: ${to}`);
 * });
 */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

/** A `JobInput` or configuration value was rejected; `field` names it. Nothing was enqueued. */
export class JobValidationError extends Error {
  override readonly name = 'JobValidationError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`Invalid \`${field}\`: ${message}`);
    this.field = field;
  }
}

/**
 * A reactor method was called after `close()` (or while it runs). Every adapter rejects the same
 * way, so a call on a closed reactor never reaches a closed queue or driver.
 */
export class ReactorClosedError extends Error {
  override readonly name = 'ReactorClosedError';
  /** The method called, e.g. `'submit'`. */
  readonly method: string;

  /** `waited`: the call was waiting (a `watch`) when the reactor closed. */
  constructor(method: string, waited = false) {
    super(
      waited
        ? `reactor.${method}() was waiting when the reactor was closed`
        : `reactor.${method}() was called after close(); create a new reactor with createReactor()`,
    );
    this.method = method;
  }
}

/**
 * An option of `createReactor`, `reactor.start`, `reactor.stop` or a storage adapter was rejected;
 * `option` names it (`config.maxConcurrency`, `storage`, …). Raised before anything runs, unlike
 * {@link JobValidationError}, which rejects a job's input.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The option, as a path: `maxConcurrency`, `stop.timeout`, `storage`. */
  readonly option: string;
  /** Same as `option` (the field of {@link JobValidationError}, for code that reads either). */
  readonly field: string;

  constructor(option: string, message: string) {
    super(`Invalid \`${option}\`: ${message}`);
    this.option = option;
    this.field = option;
  }
}

/**
 * Durable storage could not be opened when the reactor was created (PostgreSQL unreachable,
 * wrong credentials, migrations refused); `cause` holds the driver's error.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  constructor(
    /** `'postgres'`, `'sqlite'`. */
    readonly storage: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An optional peer dependency a feature needs is not installed (or its native module cannot be
 * loaded); `packageName` names it and the message says how to install it.
 */
export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';
  constructor(
    /** `'better-sqlite3'`, `'pg'`, `'@statelyai/inspect'`. */
    readonly packageName: string,
    /** What needs it: `storage: { sqlite }`. */
    readonly feature: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(
      options?.detail ??
        `${feature} needs the package ${packageName}, an optional peer dependency of seriatim that is not installed; install it with \`npm install ${packageName}\``,
      options,
    );
  }
}

/** A write found a lane head other than the one it expected (optimistic concurrency). */
export class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
  constructor(
    readonly lane: string,
    readonly expectedHead: number,
    readonly actualHead: number,
  ) {
    super(`Write conflict on lane ${lane}: expected head ${expectedHead}, found ${actualHead}`);
  }
}

/** A claim token no longer owns its job (completed, released, or reaped): the call is refused. */
export class StaleClaimError extends Error {
  override readonly name = 'StaleClaimError';
  constructor(readonly jobId: string) {
    super(`Claim on job ${jobId} is stale: the job is no longer held by this claim token`);
  }
}

// Driver error codes that mean "try again": SQLite busy/locked, Postgres serialization and
// connection failures, Node socket errors.
const RETRYABLE_DRIVER_CODES: ReadonlySet<string> = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_IOERR',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '08000',
  '08003',
  '08006', // connection exceptions
  '53300', // too_many_connections
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Maps anything thrown during execution to a `JobError`, for every adapter alike:
 * write conflicts and driver I/O failures become `IO_ERROR` (retryable); anything else thrown by
 * library code becomes `LIBRARY_ERROR`.
 */
export function toJobError(error: unknown): JobError {
  if (error instanceof JobError) return error;
  if (error instanceof WriteConflictError || error instanceof StaleClaimError) {
    return new JobError(JobErrorCodes.IO_ERROR, error.message, { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE_DRIVER_CODES.has(code)) {
    return new JobError(JobErrorCodes.IO_ERROR, String((error as Error).message ?? error), {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new JobError(JobErrorCodes.LIBRARY_ERROR, message, { cause: error });
}
