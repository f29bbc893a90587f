/**
 * The PostgreSQL operation store.
 * @module
 */
import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../../clock.js';
import { StaleClaimError, WriteConflictError } from '../../errors.js';
import type { Operation } from '../../types.js';
import type {
  AppendRequest,
  AppendResult,
  ClaimRef,
  IOperationStore,
  LaneSnapshot,
  LaneWrite,
  OperationRef,
} from '../ports.js';
import { isClaimToken, type OperationRow, rowToOperation } from './job-row.js';
import { PostgresAppendBatcher } from './postgres-append-batcher.js';
import { inTransaction, sqlState } from './postgres-transaction.js';
import { completeAppendedClaim } from './statements/complete-appended-claim.js';
import { findOperations } from './statements/find-operations.js';
import { insertOperations } from './statements/insert-operations.js';
import { leaveLanes } from './statements/leave-lanes.js';
import { lockLanes } from './statements/lock-lanes.js';
import { selectAppendState } from './statements/select-append-state.js';
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
 * append also completes that claim, fenced by its token, in the same transaction (its own,
 * several statements): the operations and the completion commit together or not at all (a stale
 * claim throws `StaleClaimError` and writes nothing); its signal is checked right before COMMIT.
 *
 * Construct it through {@link createPostgresStorage}.
 */
export class PostgresOperationStore implements IOperationStore {
  readonly #pool: Pool;
  readonly #clock: Clock;
  readonly #ready: () => Promise<void>;
  readonly #channel: string;
  readonly #origin: string;
  readonly #batcher: PostgresAppendBatcher;

  constructor(options: PostgresOperationStoreOptions) {
    this.#pool = options.pool;
    this.#clock = options.clock;
    this.#ready = options.ready;
    this.#channel = options.channel;
    this.#origin = options.origin;
    this.#batcher = new PostgresAppendBatcher({
      pool: options.pool,
      ready: options.ready,
      mapError: (error, request) => mapWriteError(error, request.documentId, request.branch),
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
    if (request.claim === undefined) return this.#batcher.append(request);
    return this.#appendWithClaim(request);
  }

  /** Waits for the appends already made. The pool is the storage's: nothing to release here. */
  async close(): Promise<void> {
    await this.#batcher.drain();
  }

  /**
   * An append that completes its claim: one transaction of several statements (the runtime's
   * executor does not pass claims, so this path is off the hot path).
   */
  async #appendWithClaim(request: AppendRequest): Promise<AppendResult> {
    const { documentId, branch, lanes, claim, signal } = request;
    if (claim !== undefined && !isClaimToken(claim.token)) throw new StaleClaimError(claim.jobId);
    const scopes = lanes.map((lane) => lane.scope);
    const operations = lanes.flatMap((lane) => lane.operations);
    const operationScopes = lanes.flatMap((lane) => lane.operations.map(() => lane.scope));
    await this.#ready();
    try {
      return await inTransaction(this.#pool, async (client) => {
        await run(client, lockLanes, [
          scopes.map(() => documentId),
          scopes.map(() => branch),
          scopes,
          claim === undefined ? [] : [claim.jobId],
          claim === undefined ? [] : [claim.token],
        ]);
        const [state] = await run<{ heads: number[]; found: (Operation | null)[] }>(
          client,
          selectAppendState,
          [
            documentId,
            branch,
            scopes,
            operations.map((operation) => operation.id),
            operationScopes,
          ],
        );
        const heads = state?.heads ?? [];
        // Per operation of the request, in order: the one its lane stores with that id.
        const stored = state?.found ?? [];

        if (operations.length > 0 && stored.every((operation) => operation !== null)) {
          if (claim !== undefined) await this.#completeClaim(client, claim);
          return { operations: stored as Operation[], replayed: true };
        }
        lanes.forEach((lane, i) => {
          const head = heads[i] ?? -1;
          if (head !== lane.expectedHead) {
            throw new WriteConflictError(
              `${documentId}:${lane.scope}:${branch}`,
              lane.expectedHead,
              head,
            );
          }
        });
        checkShape(lanes, stored);
        signal?.throwIfAborted();

        const snapshots = lanes.filter(
          (lane) => lane.snapshot !== undefined && lane.expectedHead + lane.operations.length >= 0,
        );
        const rows = lanes.flatMap((lane) => lane.operations.map((op) => ({ op, lane })));
        await run(client, insertOperations, [
          documentId,
          branch,
          rows.map(({ lane }) => lane.scope),
          rows.map(({ op }) => op.index),
          rows.map(({ op }) => op.id),
          rows.map(({ op }) => op.skip),
          rows.map(({ op }) => op.hash),
          rows.map(({ op }) => op.timestampUtcMs),
          rows.map(({ op }) => JSON.stringify(op.action)),
          rows.map(({ op }) => op.error ?? null),
          snapshots.map((lane) => lane.scope),
          snapshots.map((lane) => lane.expectedHead + lane.operations.length),
          snapshots.map((lane) => JSON.stringify(lane.snapshot?.state) ?? null),
          snapshots.map((lane) => lane.snapshot?.hash as string),
        ]);
        if (claim !== undefined) await this.#completeClaim(client, claim);
        signal?.throwIfAborted(); // right before COMMIT: an aborted attempt writes nothing
        return { operations, replayed: false };
      });
    } catch (error) {
      throw mapWriteError(error, documentId, branch);
    }
  }

  /** Completes the claim in the append's transaction; its lanes were locked with the request's. */
  async #completeClaim(client: PoolClient, claim: ClaimRef): Promise<void> {
    const [row] = await run<{ seq: string }>(client, completeAppendedClaim, [
      claim.jobId,
      claim.token,
      this.#clock.now(),
    ]);
    if (row === undefined) throw new StaleClaimError(claim.jobId);
    await run(client, leaveLanes, [[row.seq], this.#channel, this.#origin]);
  }
}

/**
 * Rejects a request that would break contiguity or store an operation id twice in a lane;
 * `stored` holds, per operation of the request in order, the one its lane stores with its id.
 */
function checkShape(lanes: LaneWrite[], stored: (Operation | null)[]): void {
  if (new Set(lanes.map((lane) => lane.scope)).size !== lanes.length) {
    throw new Error('Malformed append: a scope appears twice in `lanes`');
  }
  let position = 0;
  for (const lane of lanes) {
    const seen = new Set<string>();
    lane.operations.forEach((operation, i) => {
      const expected = lane.expectedHead + 1 + i;
      if (operation.index !== expected) {
        throw new Error(
          `Malformed append: operation ${operation.id} of scope ${lane.scope} has index ${operation.index}, expected ${expected}`,
        );
      }
      const storedHere = (stored[position++] ?? null) !== null;
      if (seen.has(operation.id) || storedHere) {
        throw new Error(
          `Malformed append: operation id ${operation.id} is already stored in scope ${lane.scope}`,
        );
      }
      seen.add(operation.id);
    });
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
