/**
 * The document executor: runs one job against the operation store (README: Semantics, "Execution
 * of one job").
 * @module
 */
import type {
  AppendClaim,
  IAuthorizer,
  IOperationStore,
  ISyncSource,
  LaneSnapshot,
  LaneWrite,
} from '../adapters/ports.js';
import {
  isRetryableCode,
  JobError,
  JobErrorCodes,
  StaleClaimError,
  toJobError,
  WriteConflictError,
} from '../errors.js';
import { laneKey } from '../lane-key.js';
import type {
  Action,
  AttemptContext,
  IJobExecutor,
  Job,
  JobExecutionConfig,
  JobResult,
  Operation,
} from '../types.js';
import { applyAction } from './apply-action.js';
import { checkJobShape, checkResultingHash, resolveDocumentJob } from './check-document-job.js';
import { type DocumentHeader, documentExists } from './document-header.js';
import { DOCUMENT_SCOPE, type DocumentModel, type ModelRegistry } from './document-model.js';
import { hashState } from './hash.js';
import { type CacheHits, LaneStateLoader } from './lane-state-loader.js';
import { operationId } from './operation-id.js';
import { rebaseOperations } from './rebase-operations.js';
import { ed25519Verifier, type SignatureVerifier } from './signature.js';
import { StateCache } from './state-cache.js';

/** Options of {@link DocumentJobExecutor}. */
export type DocumentJobExecutorOptions = {
  /** Where operations and lane snapshots are read and written. */
  store: IOperationStore;
  /** The document models, by `documentType`. */
  models: ModelRegistry;
  /** Asked once per action; denying (false or a throw) fails the job with `UNAUTHORIZED`. */
  authorizer?: IAuthorizer;
  /** Checks each action's signature; an invalid one fails the job. @default ed25519Verifier */
  verifier?: SignatureVerifier;
  /** Lane states kept in memory (LRU). 0 disables the cache. @default 10000 */
  cacheSize?: number;
  /** Time source of `duration` and `completedAt`, ms since epoch. @default Date.now */
  now?: () => number;
};

/** A lane as one execution sees it: its loaded snapshot and what the job adds to it. */
type LaneWork = {
  scope: string;
  key: string;
  loaded: LaneSnapshot;
  /** State after the job's operations so far (a private copy once an action touched the lane). */
  state: unknown;
  hash: string;
  operations: Operation[];
};

/** Book-keeping of one run of a job, to re-run it once when the cache turns out stale. */
type RunState = {
  bypassCache: boolean;
  /** Check each cache hit against the store's head (reads outside a job have no write fence). */
  verifyCache?: boolean;
  /** Lanes served from the cache, with the head index the cache claimed. */
  cached: CacheHits;
  documentType?: string;
  /** Signatures and authorization passed: a failure from here on may be a re-run's (replay). */
  checked?: boolean;
  /** The claim the append completes (the runtime's attempt), with the attempts to store. */
  claim?: AppendClaim;
};

type RunOutcome = { operations: Operation[]; replayed: boolean; dispatched: Action[] };

// Failures that depend on lane state: when that state came from a stale cache entry (another
// process wrote meanwhile), the job is re-run once on fresh state instead of failing for good.
const STATE_DEPENDENT: ReadonlySet<number> = new Set([
  JobErrorCodes.LIBRARY_ERROR,
  JobErrorCodes.HASH_MISMATCH,
  JobErrorCodes.DOCUMENT_NOT_FOUND,
]);

// Failures that a re-run of a job whose operations are stored already can meet (its actions
// applied a second time, on a state that holds them): the replay lookup decides before they are
// reported.
const REPLAY_CHECKED: ReadonlySet<number> = new Set([
  ...STATE_DEPENDENT,
  JobErrorCodes.INVALID_JOB,
]);

/** Reads of the job's operations after an append that failed ambiguously (see `#append`). */
const AMBIGUOUS_WRITE_READS = 3;

/**
 * Executes document jobs: verifies signatures, authorizes, applies the actions with the model's
 * reducer on a copy of each lane's state, checks `resultingHash`, and writes all operations in one
 * atomic append with an expected head per lane. Failures are returned, never thrown.
 *
 * The reserved `document` lane holds the document's header (`{ documentType, createdAt, deleted }`);
 * every non-creating job includes it in its append as a zero-operation read fence, so a concurrent
 * delete turns into a write conflict (`IO_ERROR`, retried) instead of a write to a deleted document.
 *
 * @example
 * const executor = new DocumentJobExecutor({ store, models: new ModelRegistry([counterModel]) });
 * const result = await executor.execute(job);
 * if (!result.success) console.error(result.error?.codeName, result.errorMessage);
 */
export class DocumentJobExecutor implements IJobExecutor {
  readonly #store: IOperationStore;
  readonly #models: ModelRegistry;
  readonly #authorizer: IAuthorizer | undefined;
  readonly #verifier: SignatureVerifier;
  readonly #cache: StateCache;
  readonly #loader: LaneStateLoader;
  readonly #now: () => number;

  constructor(options: DocumentJobExecutorOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#authorizer = options.authorizer;
    this.#verifier = options.verifier ?? ed25519Verifier;
    this.#cache = new StateCache({ capacity: options.cacheSize ?? 10_000 });
    this.#loader = new LaneStateLoader(this.#store, this.#cache);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Runs `job` once and returns its result: on success the operations written (or found written
   * already, `metadata.replayed: true`), `metadata.dispatched`, the actions reducers dispatched,
   * and `metadata.reducerErrors` when a model that records rejections rejected some actions;
   * on failure `errorCode`, `errorMessage` and `error`. `config` is the runtime's business (retries,
   * timeouts) and is not read here. An aborted `signal` (reason: a `JobError` with `TIMEOUT` or
   * `GRACEFUL_ABORT`) stops the job before its write and yields that error. With `attempt` (the
   * runtime's), the append carries its claim, so that the store completes the claim in the
   * transaction that writes the operations (see `AppendRequest.claim`); a stale claim writes
   * nothing and ends the attempt with `GRACEFUL_ABORT`, not retried: the job is the queue's
   * again (reaped, or given back), and another claim runs it.
   */
  async execute(
    job: Job,
    _config?: JobExecutionConfig,
    signal?: AbortSignal,
    attempt?: AttemptContext,
  ): Promise<JobResult> {
    const startedAt = this.#now();
    const claim: AppendClaim | undefined =
      attempt === undefined || attempt.claim.token === ''
        ? undefined
        : { jobId: attempt.claim.jobId, token: attempt.claim.token, attempts: attempt.attempts };
    let run: RunState = { bypassCache: false, cached: new Map(), claim };
    try {
      let outcome: RunOutcome;
      try {
        outcome = await this.#run(job, run, signal);
      } catch (error) {
        if (!(await this.#servedStale(job, run, error, signal))) {
          outcome = await this.#replayOr(job, run, error, signal);
        } else {
          run = { bypassCache: true, cached: new Map(), claim };
          try {
            outcome = await this.#run(job, run, signal);
          } catch (again) {
            outcome = await this.#replayOr(job, run, again, signal);
          }
        }
      }
      return this.#result(job, startedAt, {
        success: true,
        operations: outcome.operations,
        metadata: {
          replayed: outcome.replayed,
          dispatched: outcome.dispatched,
          ...(run.documentType === undefined ? {} : { documentType: run.documentType }),
          ...reducerErrors(outcome.operations),
        },
      });
    } catch (caught) {
      const error =
        caught instanceof JobError || !signal?.aborted ? toJobError(caught) : abortError(signal);
      return this.#result(job, startedAt, {
        success: false,
        operations: [],
        ...(run.documentType === undefined ? {} : { metadata: { documentType: run.documentType } }),
        errorCode: error.code,
        errorMessage: error.message,
        error,
      });
    }
  }

  /**
   * The fatal path's catch-up: pulls from `source` the operations the job's lanes (and the
   * `document` lane) lack, re-applies each with its reducer to rebuild the lane snapshots, and
   * appends them with the current heads as expected heads.
   * @returns the number of operations appended (0 when there was nothing to pull).
   * @throws JobError `REBASE_FAILED` when a pulled operation does not follow the lane's head, has
   * another id than its action gives, is rejected by the reducer, or leads to another state hash;
   * store failures as by `toJobError`.
   */
  async syncFrom(source: ISyncSource, job: Job): Promise<number> {
    const { documentId, branch } = job;
    const scopes = unique([DOCUMENT_SCOPE, ...job.scopes]);
    for (const scope of scopes) this.#cache.delete(laneKey(documentId, scope, branch));
    const heads = await Promise.all(
      scopes.map((scope) => this.#store.getHead(documentId, scope, branch)),
    );
    const pulled = await source.pull({
      documentId,
      branch,
      lanes: scopes.map((scope, i) => ({ scope, fromIndex: (heads[i] ?? -1) + 1 })),
    });
    const byScope = new Map<string, Operation[]>();
    for (const { scope, operations } of pulled) {
      if (!scopes.includes(scope) || operations.length === 0) continue;
      byScope.set(scope, [...(byScope.get(scope) ?? []), ...operations]);
    }
    if (byScope.size === 0) return 0;

    const run: RunState = { bypassCache: true, cached: new Map() };
    const header = await this.#loadLane(documentId, DOCUMENT_SCOPE, branch, undefined, run);
    const writes: LaneWrite[] = [];
    const rebased = rebaseOperations(
      job,
      DOCUMENT_SCOPE,
      header,
      undefined,
      byScope.get(DOCUMENT_SCOPE),
    );
    if (rebased !== undefined) writes.push(rebased);
    const headerState = rebased?.snapshot.state ?? header.state;
    let model: DocumentModel | undefined;
    for (const scope of scopes) {
      const operations = byScope.get(scope);
      if (scope === DOCUMENT_SCOPE || operations === undefined) continue;
      const documentType = (headerState as DocumentHeader | null)?.documentType;
      model ??= documentType === undefined ? undefined : this.#models.get(documentType);
      if (model === undefined) {
        throw new JobError(
          JobErrorCodes.REBASE_FAILED,
          `Sync failed: no registered model for the operations of scope '${scope}'`,
        );
      }
      const lane = await this.#loadLane(documentId, scope, branch, model, run);
      const write = rebaseOperations(job, scope, lane, model, operations);
      if (write !== undefined) writes.push(write);
    }
    const count = writes.reduce((sum, write) => sum + write.operations.length, 0);
    if (count === 0) return 0;
    try {
      const result = await this.#store.append({ documentId, branch, lanes: writes });
      return result.replayed ? 0 : count;
    } catch (error) {
      throw toJobError(error);
    } finally {
      for (const scope of scopes) this.#cache.delete(laneKey(documentId, scope, branch));
    }
  }

  /**
   * The current state of a lane, as a copy the caller may keep: the header for the `document`
   * scope (undefined when the document never existed), and for a model scope its state (the
   * initial state while the lane is empty), or undefined when the document does not exist, was
   * deleted, or has no such scope. A cached state is used only while the store's head still
   * matches it, so writes by other executors on the same store are seen.
   */
  async getState(documentId: string, scope: string, branch: string): Promise<unknown> {
    const run: RunState = { bypassCache: false, verifyCache: true, cached: new Map() };
    const header = await this.#loadLane(documentId, DOCUMENT_SCOPE, branch, undefined, run);
    const state = header.state as DocumentHeader | null;
    if (scope === DOCUMENT_SCOPE) return state === null ? undefined : structuredClone(state);
    if (!documentExists(state)) return undefined;
    const model = this.#models.get(state.documentType);
    if (model === undefined || !model.scopes.includes(scope)) return undefined;
    const lane = await this.#loadLane(documentId, scope, branch, model, run);
    return structuredClone(lane.state);
  }

  /** One run of the job; failures are thrown as `JobError`. */
  async #run(job: Job, run: RunState, signal: AbortSignal | undefined): Promise<RunOutcome> {
    throwIfAborted(signal);
    checkJobShape(job);
    // Signatures bind the job's document and branch (see README, Semantics: Signatures).
    const signers: (string | undefined)[] = [];
    for (const action of job.actions) {
      // A synchronous verifier (the default) is not awaited: no extra turn per action.
      const answer = this.#verifier.verify(action, job);
      const check = answer instanceof Promise ? await answer : answer;
      if (!check.valid) {
        throw new JobError(
          JobErrorCodes.SIGNATURE_INVALID,
          `Action '${action.id}' (${action.type}) has an invalid signature: ${check.reason}`,
        );
      }
      signers.push(check.signer);
    }
    await this.#authorize(job, signers);
    throwIfAborted(signal);
    run.checked = true;

    // No replay lookup up front (a round trip per job on a durable store): a re-run of a job
    // whose operations are stored either meets them in `append` (replayed) or fails on the state
    // that holds them, and `#replayOr` looks them up before reporting that failure.
    const { documentId, branch } = job;
    const ids = operationIds(job);

    const header = await this.#loadLane(documentId, DOCUMENT_SCOPE, branch, undefined, run);
    const { model } = resolveDocumentJob(job, header.state as DocumentHeader | null, this.#models);
    run.documentType = model.documentType;

    const lanes = new Map<string, LaneWork>();
    for (const scope of unique([...job.scopes, DOCUMENT_SCOPE])) {
      const loaded =
        scope === DOCUMENT_SCOPE
          ? header
          : await this.#loadLane(documentId, scope, branch, model, run);
      const key = laneKey(documentId, scope, branch);
      lanes.set(scope, {
        scope,
        key,
        loaded,
        state: loaded.state,
        hash: loaded.hash,
        operations: [],
      });
    }

    const dispatched: Action[] = [];
    const operations: Operation[] = [];
    const record = model.onReducerError === 'record';
    for (const [i, action] of job.actions.entries()) {
      const lane = lanes.get(action.scope)!;
      // Loaded states are shared with the cache and the store: work on a private copy. A model
      // that records rejections gets a fresh copy per action, so a throw leaves the state intact.
      const draft =
        lane.operations.length === 0 || record ? structuredClone(lane.state) : lane.state;
      const ctx = {
        documentId,
        scope: action.scope,
        branch,
        dispatch: (next: Action) => {
          dispatched.push(next);
        },
      };
      const head = { index: lane.loaded.index + lane.operations.length, hash: lane.hash };
      const stale = this.#verifier.checkLane?.(action, head);
      if (stale !== undefined) {
        throw new JobError(
          JobErrorCodes.HASH_MISMATCH,
          `Action '${action.id}' (${action.type}) was signed for another state of scope '${action.scope}' than its head ${head.index}: ${stale}`,
        );
      }
      let rejection: string | undefined;
      try {
        lane.state = applyAction(model, draft, action, ctx);
      } catch (error) {
        // A reducer refusing the job itself (an unsupported action) throws a JobError: never
        // recorded, it fails the job with its own code.
        if (error instanceof JobError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        // The header lane never records: a bad lifecycle action fails its job.
        if (!record || action.scope === DOCUMENT_SCOPE) {
          throw new JobError(
            JobErrorCodes.LIBRARY_ERROR,
            `Action '${action.id}' (${action.type}) in scope '${action.scope}' was rejected: ${reason}`,
            { cause: error },
          );
        }
        rejection = reason;
      }
      if (rejection === undefined) lane.hash = hashState(lane.state);
      const operation: Operation = {
        id: ids[i]!,
        index: lane.loaded.index + 1 + lane.operations.length,
        skip: 0,
        hash: lane.hash,
        timestampUtcMs: action.timestampUtcMs,
        action,
        ...(rejection === undefined ? {} : { error: rejection }),
      };
      lane.operations.push(operation);
      operations.push(operation);
    }

    checkResultingHash(job, (scope) => lanes.get(scope)!);
    if (operations.length === 0) return { operations, replayed: false, dispatched };
    throwIfAborted(signal);
    return this.#append(job, lanes, operations, dispatched, signal, run.claim);
  }

  /** Writes the job's lanes in one append and keeps the cache in step with the outcome. */
  async #append(
    job: Job,
    lanes: Map<string, LaneWork>,
    operations: Operation[],
    dispatched: Action[],
    signal: AbortSignal | undefined,
    claim: AppendClaim | undefined,
  ): Promise<RunOutcome> {
    const writes: LaneWrite[] = [...lanes.values()].map((lane) => ({
      scope: lane.scope,
      expectedHead: lane.loaded.index,
      operations: lane.operations,
      ...(lane.operations.length === 0 ? {} : { snapshot: { state: lane.state, hash: lane.hash } }),
    }));
    let result: Awaited<ReturnType<IOperationStore['append']>>;
    try {
      result = await this.#store.append({
        documentId: job.documentId,
        branch: job.branch,
        lanes: writes,
        ...(signal === undefined ? {} : { signal }),
        ...(claim === undefined ? {} : { claim }),
      });
    } catch (error) {
      for (const lane of lanes.values()) this.#cache.delete(lane.key);
      if (error instanceof StaleClaimError) throw claimLost(error);
      // A conflict, or the store refusing an aborted signal before its commit, wrote nothing. Any
      // other failure may have come after the commit (the answer lost): look the operations up
      // before failing or retrying, so the outcome reported is the one stored.
      if (!(error instanceof WriteConflictError) && !(signal?.aborted && error === signal.reason)) {
        const stored = await this.#storedAfterAmbiguousWrite(job);
        if (stored === 'unknown')
          throw outcomeUnknown(signal?.aborted ? abortError(signal) : error);
        if (stored !== 'none') return { operations: stored, replayed: true, dispatched: [] };
      }
      if (signal?.aborted) throw abortError(signal);
      throw toJobError(error);
    }
    if (result.replayed) {
      for (const lane of lanes.values()) this.#cache.delete(lane.key);
      const byId = new Map(result.operations.map((operation) => [operation.id, operation]));
      const ordered = operations.map((operation) => byId.get(operation.id) ?? operation);
      return { operations: ordered, replayed: true, dispatched: [] };
    }
    for (const lane of lanes.values()) {
      this.#cache.set(lane.key, {
        index: lane.loaded.index + lane.operations.length,
        state: lane.state,
        hash: lane.hash,
      });
    }
    return { operations, replayed: false, dispatched };
  }

  /** Asks the authorizer about each action, with the verified canonical key of its signer. */
  async #authorize(job: Job, signers: readonly (string | undefined)[]): Promise<void> {
    const authorizer = this.#authorizer;
    if (authorizer === undefined) return;
    for (const [i, action] of job.actions.entries()) {
      const signer = signers[i];
      let allowed: boolean;
      try {
        allowed = await authorizer.authorize({
          job,
          action,
          ...(signer === undefined ? {} : { signer }),
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new JobError(
          JobErrorCodes.UNAUTHORIZED,
          `Action '${action.id}' (${action.type}) was not authorized: ${reason}`,
          { cause: error },
        );
      }
      if (allowed !== true) {
        throw new JobError(
          JobErrorCodes.UNAUTHORIZED,
          `Action '${action.id}' (${action.type}) was not authorized`,
        );
      }
    }
  }

  /**
   * Whether `error` came from lane state the cache served stale, so that the job should run once
   * more on fresh state (the stale lanes are dropped from the cache): a write conflict with any
   * lane served from the cache (the lane moved on in the store: another process ran the lane's
   * previous jobs), or a state-dependent failure when a cached lane's head moved on.
   */
  async #servedStale(
    job: Job,
    run: RunState,
    error: unknown,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (run.cached.size === 0 || signal?.aborted || !(error instanceof JobError)) return false;
    if (error.cause instanceof WriteConflictError) return true; // `#append` dropped the lanes
    if (!STATE_DEPENDENT.has(error.code)) return false;
    return this.#loader.anyStale(job.documentId, job.branch, run.cached);
  }

  /**
   * The outcome of a job that failed with `error` when its operations turn out to be stored
   * already (a re-run: the replay); otherwise throws `error`, or `INVALID_JOB` when only some of
   * them are.
   */
  async #replayOr(
    job: Job,
    run: RunState,
    error: unknown,
    signal: AbortSignal | undefined,
  ): Promise<RunOutcome> {
    const code = error instanceof JobError ? error.code : undefined;
    const checked =
      code !== undefined &&
      (REPLAY_CHECKED.has(code) || (error as JobError).cause instanceof WriteConflictError);
    if (!run.checked || !checked || signal?.aborted) throw error;
    const replayed = await this.#findReplay(job, operationIds(job));
    if (replayed === undefined) throw error;
    for (const scope of unique([...job.scopes, DOCUMENT_SCOPE])) {
      this.#cache.delete(laneKey(job.documentId, scope, job.branch));
    }
    return { operations: replayed, replayed: true, dispatched: [] };
  }

  /**
   * After an append failed without saying whether it committed: the job's stored operations
   * (`#findReplay`), read up to `AMBIGUOUS_WRITE_READS` times while the reads fail; `'none'` when
   * none is stored; `'unknown'` when no read succeeded (the job is then retried until a retry
   * meets the operations in its append, or writes them: see `outcomeUnknown`).
   */
  async #storedAfterAmbiguousWrite(job: Job): Promise<Operation[] | 'none' | 'unknown'> {
    const ids = operationIds(job);
    for (let read = 1; ; read++) {
      try {
        return (await this.#findReplay(job, ids)) ?? 'none';
      } catch (error) {
        if (error instanceof JobError) throw error; // `INVALID_JOB`: only some are stored
        if (read >= AMBIGUOUS_WRITE_READS) return 'unknown';
      }
    }
  }

  /**
   * The stored operations of the job, ordered as its actions, when all are stored already (a
   * re-run); undefined when none is.
   * @throws JobError `INVALID_JOB` when only some are: those actions were applied by another job.
   */
  async #findReplay(job: Job, ids: string[]): Promise<Operation[] | undefined> {
    if (ids.length === 0) return undefined;
    // Looked up per lane: an operation of another scope with the same id is not this job's.
    const refs = ids.map((id, i) => ({ scope: job.actions[i]!.scope, id }));
    const found = await this.#store.findOperations(job.documentId, job.branch, refs);
    const stored = ids.filter((_, i) => found[i] !== undefined);
    if (stored.length === 0) return undefined;
    if (stored.length < ids.length) {
      throw new JobError(
        JobErrorCodes.INVALID_JOB,
        `Invalid job: ${stored.length} of its ${ids.length} actions were applied already ` +
          `(operations ${stored.join(', ')})`,
      );
    }
    return found as Operation[];
  }

  #loadLane(
    documentId: string,
    scope: string,
    branch: string,
    model: DocumentModel | undefined,
    run: RunState,
  ): Promise<LaneSnapshot> {
    return this.#loader.load(documentId, scope, branch, model, {
      bypassCache: run.bypassCache,
      verifyCache: run.verifyCache === true,
      hits: run.cached,
    });
  }

  #result(
    job: Job,
    startedAt: number,
    fields: Omit<JobResult, 'job' | 'completedAt' | 'duration'>,
  ): JobResult {
    const completedAt = this.#now();
    return {
      job,
      completedAt: new Date(completedAt).toISOString(),
      duration: Math.max(0, completedAt - startedAt),
      ...fields,
    };
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** The error of an aborted attempt: the signal's reason when it is a `JobError`. */
/**
 * The error of an append that may have committed and could not be read back: retryable whatever
 * the job's retries left (README, Semantics: "Faults at the ports"), so the job is never reported
 * failed while its operations may be stored.
 */
function outcomeUnknown(error: unknown): JobError {
  const { code, message } = toJobError(error);
  const retryable = isRetryableCode(code) ? code : JobErrorCodes.IO_ERROR;
  return new JobError(
    retryable,
    `${message} (the write may have been stored and could not be read back; retried until known)`,
    { cause: error, outcomeUnknown: true },
  );
}

function abortError(signal: AbortSignal): JobError {
  const reason: unknown = signal.reason;
  if (reason instanceof JobError) return reason;
  return new JobError(JobErrorCodes.GRACEFUL_ABORT, 'The attempt was aborted', { cause: reason });
}

/**
 * The attempt's claim went stale before its append (the job was reaped, or given back): the store
 * wrote nothing, and the job belongs to the queue again, so the attempt ends as a give-back, not
 * retried under a claim that cannot write (the runtime's end of that claim is then refused too).
 */
function claimLost(error: StaleClaimError): JobError {
  return new JobError(
    JobErrorCodes.GRACEFUL_ABORT,
    `The attempt's claim was lost before its write (${error.message}); nothing was written`,
    { cause: error },
  );
}

/** An action the reducer rejected and its model recorded (`onReducerError: 'record'`). */
export type ReducerErrorReport = {
  actionId: string;
  scope: string;
  operationId: string;
  index: number;
  error: string;
};

/** `{ reducerErrors }` listing the recorded rejections among `operations`, or `{}` for none. */
function reducerErrors(operations: readonly Operation[]): { reducerErrors?: ReducerErrorReport[] } {
  const reports: ReducerErrorReport[] = [];
  for (const { id, index, action, error } of operations) {
    if (error !== undefined) {
      reports.push({ actionId: action.id, scope: action.scope, operationId: id, index, error });
    }
  }
  return reports.length === 0 ? {} : { reducerErrors: reports };
}

/** The deterministic ids of the job's operations, one per action in order. */
function operationIds(job: Job): string[] {
  return job.actions.map((action) =>
    operationId(job.documentId, action.scope, job.branch, action.id),
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
