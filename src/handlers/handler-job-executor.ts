/**
 * Executes handler jobs (README: Handler jobs): calls the job's handler with its input, bounded
 * by the attempt's signal, and turns what happens into a `JobResult` the lane machine knows — a
 * throw becomes a retryable `IO_ERROR`, a `NonRetryableError` a final `HANDLER_FAILED`, the
 * signal's abort its `TIMEOUT` / `GRACEFUL_ABORT`. A handler job writes no operations: its result
 * is the handler's return value, which the runtime stores when it completes the claim.
 * @module
 */
import type { IQueue } from '../adapters/ports.js';
import { JobError, JobErrorCodes, JobValidationError, NonRetryableError } from '../errors.js';
import { beginWalk, copyJsonData, enter, leave } from '../json-data.js';
import type { AttemptContext, IJobExecutor, Job, JobExecutionConfig, JobResult } from '../types.js';
import { handlerCheckpoint } from './handler-checkpoint.js';
import type { HandlerContext, HandlerRegistry } from './handler-registry.js';
import { WaitRequest, waitRequest } from './wait-request.js';

/** Limits of handler jobs. */
export const HANDLER_LIMITS = Object.freeze({
  /** Bytes of a handler's return value as UTF-8 JSON; a larger one fails the job (`HANDLER_FAILED`). */
  maxOutputBytes: 1_048_576,
} as const);

export type HandlerJobExecutorOptions = {
  handlers: HandlerRegistry;
  /** The queue of the claims: checkpoints, per-claim heartbeats (README: Handler jobs). */
  queue: IQueue;
  /** ms since epoch. */
  now: () => number;
  /** Publishes a handler's `ctx.progress` (as `jobProgress`). */
  onProgress?: (event: { job: Job; attempt: number; progress: unknown }) => void;
};

export class HandlerJobExecutor implements IJobExecutor {
  constructor(private readonly options: HandlerJobExecutorOptions) {}

  async execute(
    job: Job,
    _config?: JobExecutionConfig,
    signal?: AbortSignal,
    attemptContext?: AttemptContext,
  ): Promise<JobResult> {
    const { now, handlers, queue } = this.options;
    const startedAt = now();
    const type = job.handler ?? '';
    const handler = handlers.get(type);
    // Enqueued by a process that has this handler, or straight into the queue: fail for good,
    // naming the type, rather than hold its keys for ever (README: Handler jobs).
    if (handler === undefined) {
      return this.failure(
        job,
        startedAt,
        new JobError(
          JobErrorCodes.INVALID_JOB,
          `No handler is registered for type ${JSON.stringify(type)} in this process; register it with reactor.registerHandler(${JSON.stringify(type)}, handler) in every process that runs jobs`,
        ),
      );
    }
    const attemptSignal = signal ?? new AbortController().signal;
    let ended = false;
    const attempt = job.attempts;
    const progress = (value: unknown) => {
      if (!ended && !attemptSignal.aborted)
        this.options.onProgress?.({ job, attempt, progress: value });
    };
    const claim = attemptContext?.claim;
    const context: HandlerContext = {
      job,
      attempt,
      signal: attemptSignal,
      progress,
      heartbeat: async () => {
        if (ended || attemptSignal.aborted || claim === undefined) return;
        await queue.touch?.(claim);
      },
      checkpoint: handlerCheckpoint({
        queue,
        jobId: job.id,
        claim,
        ended: () => ended || attemptSignal.aborted,
      }),
      wait: (options) => waitRequest(options, now()),
    };
    try {
      if (attemptSignal.aborted) throw attemptSignal.reason;
      const value = await untilAborted(
        Promise.resolve().then(() => handler(job.input, context)),
        attemptSignal,
      ).finally(() => {
        ended = true;
      });
      // A stateful handler asked to sleep: the lane machine gives the job back until then.
      if (value instanceof WaitRequest) {
        return {
          job,
          success: true,
          completedAt: new Date(now()).toISOString(),
          duration: Math.max(0, now() - startedAt),
          operations: [],
          wait: value.toJobWait(),
        };
      }
      const output = storableOutput(type, value);
      const result: JobResult = {
        job,
        success: true,
        completedAt: new Date(now()).toISOString(),
        duration: Math.max(0, now() - startedAt),
        operations: [],
      };
      if (output !== undefined) result.output = output;
      return result;
    } catch (error) {
      return this.failure(job, startedAt, handlerError(type, error, attemptSignal));
    }
  }

  private failure(job: Job, startedAt: number, error: JobError): JobResult {
    const now = this.options.now();
    return {
      job,
      success: false,
      completedAt: new Date(now).toISOString(),
      duration: Math.max(0, now - startedAt),
      operations: [],
      errorCode: error.code,
      errorMessage: error.message,
      error,
    };
  }
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function handlerError(type: string, error: unknown, signal: AbortSignal): JobError {
  if (signal.aborted && error === signal.reason && error instanceof JobError) return error;
  if (error instanceof JobError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NonRetryableError) {
    return new JobError(JobErrorCodes.HANDLER_FAILED, message, { cause: error });
  }
  return new JobError(JobErrorCodes.IO_ERROR, `Handler ${JSON.stringify(type)} threw: ${message}`, {
    cause: error,
  });
}

/**
 * A detached JSON copy of the handler's return value; `undefined` and `null` mean no output (a
 * JSON column cannot tell a stored `null` from none on every backend).
 */
function storableOutput(type: string, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new NonRetryableError(
      `Handler ${JSON.stringify(type)} returned a value that is not JSON data (${(error as Error).message}); return plain data`,
    );
  }
  if (text === undefined) {
    throw new NonRetryableError(
      `Handler ${JSON.stringify(type)} returned a ${typeof value}, which is not JSON data; return plain data or undefined`,
    );
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > HANDLER_LIMITS.maxOutputBytes) {
    throw new NonRetryableError(
      `Handler ${JSON.stringify(type)} returned ${bytes} bytes of JSON, more than HANDLER_LIMITS.maxOutputBytes (${HANDLER_LIMITS.maxOutputBytes}); store large results elsewhere and return a reference`,
    );
  }
  // Then checked as a job's payload is (well-formed text, no U+0000, plain objects): a value
  // PostgreSQL's jsonb refuses must fail here, not in every later write of the claim's end.
  beginWalk(-1);
  enter('output');
  try {
    const copy = copyJsonData(JSON.parse(text));
    leave();
    return copy;
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    throw new NonRetryableError(
      `Handler ${JSON.stringify(type)} returned a value that cannot be stored (${error.message}); return plain data`,
    );
  }
}
