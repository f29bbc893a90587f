/**
 * The PostgreSQL operation store.
 * @module
 */
import type { Pool } from 'pg';
import type { Clock } from '../../clock.js';
import { WriteConflictError } from '../../errors.js';
import type { Operation } from '../../types.js';
import type {
  AppendClaim,
  AppendRequest,
  AppendResult,
  IOperationStore,
  LaneSnapshot,
  OperationRef,
} from '../ports.js';
import { type OperationRow, rowToOperation } from './job-row.js';
import { PostgresAppendBatcher } from './postgres-append-batcher.js';
import { sqlState } from './postgres-transaction.js';
import { findOperations } from './statements/find-operations.js';
import { selectHead } from './statements/select-head.js';
import { selectOperations } from './statements/select-operations.js';
import { selectSnapshot } from './statements/select-snapshot.js';
import { run } from './statements/statement.js';

/** What {@link PostgresOperationStore} needs; {@link createPostgresStorage} provides it. */
export type PostgresOperationStoreOptions = {
  /** Connections whose search_path is the storage's schema. */
  pool: Pool;
  /** Time of `finishedAt` when an append completes its claim. */
  clock: Clock;
  /** Resolves once the schema is migrated; awaited before the first statement. */
  ready: () => Promise<void>;
  /** NOTIFY channel and payload, for jobs an append's claim completion makes ready. */
  channel: string;
  origin: string;
  /** Told of each claim a committed append completed (the queue then answers `complete`). */
  onClaimCompleted?: (claim: AppendClaim) => void;
  /** Receives a batch's error that no call could be told of (see `TickBatcher`). */
  onError?: (error: unknown) => void;
};

/**
 * An {@link IOperationStore} in PostgreSQL: `operations` rows keyed by lane and index, and one
 * `lane_snapshots` row per lane.
 *
 * `append` is one transaction: it takes the advisory locks of the request's lanes (the same
 * locks as the queue's, so a read fence on a lane really excludes a concurrent write to it), then
 * checks, as the memory store does and in its order, replay, every lane's expected head and the
 * request's shape, then writes. The appends made in one tick share one statement, one round trip
 * (`PostgresAppendBatcher`: group commit), each still judged and written, or refused, on its
 * own; the abort signal is checked right before the batch is sent. With `request.claim` the
 * append also completes that claim, fenced by its token, in the same statement: the operations
 * and the completion commit together or not at all (a stale claim throws `StaleClaimError` and
 * writes nothing). The runtime's appends all carry their claim, so this is the hot path.
 *
 * Construct it through {@link createPostgresStorage}.
 */
export class PostgresOperationStore implements IOperationStore {
  readonly #pool: Pool;
  readonly #ready: () => Promise<void>;
  readonly #batcher: PostgresAppendBatcher;

  constructor(options: PostgresOperationStoreOptions) {
    this.#pool = options.pool;
    this.#ready = options.ready;
    this.#batcher = new PostgresAppendBatcher({
      pool: options.pool,
      ready: options.ready,
      mapError: (error, request) => mapWriteError(error, request.documentId, request.branch),
      now: () => options.clock.now(),
      channel: options.channel,
      origin: options.origin,
      onError: options.onError,
      ...(options.onClaimCompleted === undefined
        ? {}
        : { onClaimCompleted: options.onClaimCompleted }),
    });
  }

  /** The lane's operations from `fromIndex` on. */
  async getOperations(
    documentId: string,
    scope: string,
    branch: string,
    fromIndex = 0,
  ): Promise<Operation[]> {
    await this.#ready();
    const rows = await run<OperationRow>(this.#pool, selectOperations, [
      documentId,
      scope,
      branch,
      Math.max(0, Math.min(fromIndex, 2 ** 31 - 1)),
    ]);
    return rows.map(rowToOperation);
  }

  /** Index of the lane's last operation, -1 when empty. */
  async getHead(documentId: string, scope: string, branch: string): Promise<number> {
    await this.#ready();
    const [row] = await run<{ head: number }>(this.#pool, selectHead, [documentId, scope, branch]);
    return row?.head ?? -1;
  }

  /** The latest snapshot stored for the lane. */
  async getSnapshot(
    documentId: string,
    scope: string,
    branch: string,
  ): Promise<LaneSnapshot | undefined> {
    await this.#ready();
    const [row] = await run<{ idx: number; state: unknown; hash: string }>(
      this.#pool,
      selectSnapshot,
      [documentId, scope, branch],
    );
    return row === undefined ? undefined : { index: row.idx, state: row.state, hash: row.hash };
  }

  /** Per ref, the operation stored with its id in its lane, or undefined. */
  async findOperations(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): Promise<(Operation | undefined)[]> {
    if (refs.length === 0) return [];
    await this.#ready();
    const rows = await run<OperationRow & { ref: number }>(this.#pool, findOperations, [
      documentId,
      branch,
      refs.map((ref) => ref.scope),
      refs.map((ref) => ref.id),
    ]);
    const found: (Operation | undefined)[] = refs.map(() => undefined);
    for (const row of rows) found[row.ref - 1] = rowToOperation(row);
    return found;
  }

  /**
   * Writes the operations of every lane, or nothing (see {@link IOperationStore}); completes
   * `request.claim` in the same transaction. Besides `WriteConflictError` and
   * `StaleClaimError`, a malformed request (a scope twice, an operation whose `index` does not
   * follow the lane's head, an id given twice in a lane or already stored in it) throws an
   * `Error` and writes nothing.
   */
  async append(request: AppendRequest): Promise<AppendResult> {
    return this.#batcher.append(request);
  }

  /** Waits for the appends already made. The pool is the storage's: nothing to release here. */
  async close(): Promise<void> {
    await this.#batcher.drain();
  }
}

/**
 * A unique violation that got past the lane locks (a writer that does not take them raced us):
 * on a lane index, a write conflict; on a lane's operation id, a malformed append.
 */
function mapWriteError(error: unknown, documentId: string, branch: string): unknown {
  if (sqlState(error) !== '23505') return error;
  const constraint = (error as { constraint?: string }).constraint;
  if (constraint === 'operations_pkey') {
    return new WriteConflictError(`${documentId}:?:${branch}`, -1, -1);
  }
  if (constraint === 'operations_lane_id_key') {
    return new Error(`Malformed append: an operation id is already stored (${String(error)})`, {
      cause: error,
    });
  }
  return error;
}
