/**
 * The SQLite operation store.
 * @module
 */
import type { Database, Transaction } from 'better-sqlite3';
import { WriteConflictError } from '../../errors.js';
import type { Operation } from '../../types.js';
import type {
  AppendClaim,
  AppendRequest,
  AppendResult,
  ClaimRef,
  IOperationStore,
  LaneSnapshot,
  LaneWrite,
  OperationRef,
} from '../ports.js';
import { type OperationRow, toOperation } from './operation-row.js';
import { SqliteWriteBatcher } from './sqlite-write-batcher.js';
import { findOperations } from './statements/find-operations.js';
import { insertOperation } from './statements/insert-operation.js';
import { selectHead } from './statements/select-head.js';
import { selectOperations } from './statements/select-operations.js';
import { selectSnapshot } from './statements/select-snapshot.js';
import { type Prepared, prepare } from './statements/statement.js';
import { upsertSnapshot } from './statements/upsert-snapshot.js';

/** Completes the claim an append carries, inside the append's transaction (the queue does). */
export type ClaimCompleter = {
  /** Throws `StaleClaimError` unless the claim still holds its running job. */
  assertClaimHeld(ref: ClaimRef): void;
  /** Completes the claim (storing `attempts` when given); a later `complete` is a no-op success. */
  completeClaimWithin(ref: ClaimRef, attempts?: number): void;
  /** The append that completed the claim committed: `complete` can answer without I/O. */
  completedByAppend(claim: AppendClaim): void;
};

/** Options of {@link SqliteOperationStore}. */
export type SqliteOperationStoreOptions = {
  /** Completes `request.claim` inside `append`. @default none: a request with a claim is refused */
  claims?: ClaimCompleter;
  /**
   * Group commit shared with the queue: the appends of one tick share a transaction.
   * @default one of its own
   */
  writes?: SqliteWriteBatcher;
};

type Lane = { documentId: string; scope: string; branch: string };

/**
 * An {@link IOperationStore} in a SQLite database. Operations are rows keyed by lane and index;
 * a lane's head is its greatest index. `append` is atomic (a savepoint in the IMMEDIATE
 * transaction that the appends and claim ends of one tick share, see `SqliteWriteBatcher`): claim
 * check, replay check, every lane's expected head, the request's shape, the abort signal, then
 * the writes and the claim's completion, so a failure at any step writes nothing. Operations, actions and
 * snapshot states are stored as JSON (they must be JSON-serialisable); every read parses fresh
 * copies. Created by `createSqliteStorage`, which owns the connection: `close` is a no-op.
 *
 * @example
 * await storage.store.append({
 *   documentId: 'doc-1',
 *   branch: 'main',
 *   lanes: [{ scope: 'global', expectedHead: -1, operations: [operation] }],
 *   claim: { jobId: claim.job.id, token: claim.token }, // completes the job in the same commit
 * });
 */
export class SqliteOperationStore implements IOperationStore {
  readonly #claims: ClaimCompleter | undefined;
  readonly #select: Prepared<typeof selectOperations>;
  readonly #head: Prepared<typeof selectHead>;
  readonly #snapshot: Prepared<typeof selectSnapshot>;
  readonly #find: Prepared<typeof findOperations>;
  readonly #insert: Prepared<typeof insertOperation>;
  readonly #upsertSnapshot: Prepared<typeof upsertSnapshot>;
  readonly #appendTx: Transaction<(request: AppendRequest) => AppendResult>;
  readonly #writes: SqliteWriteBatcher;

  /** Use `createSqliteStorage`. */
  constructor(db: Database, options: SqliteOperationStoreOptions = {}) {
    this.#claims = options.claims;
    this.#select = prepare(db, selectOperations);
    this.#head = prepare(db, selectHead);
    this.#snapshot = prepare(db, selectSnapshot);
    this.#find = prepare(db, findOperations);
    this.#insert = prepare(db, insertOperation);
    this.#upsertSnapshot = prepare(db, upsertSnapshot);
    this.#appendTx = db.transaction((request: AppendRequest) => this.#append(request));
    this.#writes = options.writes ?? new SqliteWriteBatcher(db);
  }

  /** The lane's operations from `fromIndex` on, freshly parsed. */
  async getOperations(
    documentId: string,
    scope: string,
    branch: string,
    fromIndex = 0,
  ): Promise<Operation[]> {
    return this.#select
      .all({ documentId, scope, branch, fromIndex: Math.max(0, fromIndex) })
      .map(toOperation);
  }

  /** Index of the lane's last operation, -1 when empty. */
  async getHead(documentId: string, scope: string, branch: string): Promise<number> {
    return this.#headOf({ documentId, scope, branch });
  }

  /** The latest snapshot stored for the lane, freshly parsed. */
  async getSnapshot(
    documentId: string,
    scope: string,
    branch: string,
  ): Promise<LaneSnapshot | undefined> {
    const row = this.#snapshot.get({ documentId, scope, branch });
    if (row === undefined) return undefined;
    return { index: row.idx, state: JSON.parse(row.state) as unknown, hash: row.hash };
  }

  /** Per ref, the operation stored with its id in its lane, freshly parsed, or undefined. */
  async findOperations(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): Promise<(Operation | undefined)[]> {
    if (refs.length === 0) return [];
    const rows = this.#stored(documentId, branch, refs);
    return rows.map((row) => (row === undefined ? undefined : toOperation(row)));
  }

  /**
   * Writes the operations of every lane, or nothing (see {@link IOperationStore}). With
   * `request.claim`, the claim's job is completed in the same transaction (a replay completes it
   * too); a stale claim throws `StaleClaimError` before anything is written. Besides the
   * contract's `WriteConflictError`, a malformed request (a scope twice, an operation whose
   * `index` does not follow the lane's head, an id given twice in a lane or already stored in it)
   * throws an `Error`; SQLite errors (`SQLITE_BUSY` after the busy timeout, …) are thrown as they are, for
   * `toJobError` to map.
   */
  async append(request: AppendRequest): Promise<AppendResult> {
    if (request.claim !== undefined && this.#claims === undefined) {
      throw new Error('This store cannot complete claims: create it with createSqliteStorage');
    }
    const result = await this.#writes.run(() => this.#appendTx(request));
    if (request.claim !== undefined) this.#claims?.completedByAppend(request.claim);
    return result;
  }

  /** The connection belongs to the storage: close it with `storage.close()`. */
  async close(): Promise<void> {}

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  /** The body of `append`, inside its IMMEDIATE transaction: any throw rolls everything back. */
  #append(request: AppendRequest): AppendResult {
    const { documentId, branch, lanes, claim } = request;
    if (claim !== undefined) this.#claims?.assertClaimHeld(claim);

    const refs: OperationRef[] = [];
    for (const { scope, operations } of lanes) {
      for (const { id } of operations) refs.push({ scope, id });
    }
    const stored = refs.length === 0 ? [] : this.#stored(documentId, branch, refs);
    if (refs.length > 0 && stored.every((row) => row !== undefined)) {
      if (claim !== undefined) this.#claims?.completeClaimWithin(claim, claim.attempts);
      return { operations: stored.map((row) => toOperation(row as OperationRow)), replayed: true };
    }

    const heads = lanes.map((lane) => {
      const head = this.#headOf({ documentId, scope: lane.scope, branch });
      if (head !== lane.expectedHead) {
        throw new WriteConflictError(
          `${documentId}:${lane.scope}:${branch}`,
          lane.expectedHead,
          head,
        );
      }
      return head;
    });
    checkShape(lanes, stored);
    request.signal?.throwIfAborted();

    const written: Operation[] = [];
    lanes.forEach((lane, i) => {
      const { scope } = lane;
      for (const operation of lane.operations) {
        this.#insert.run({
          documentId,
          scope,
          branch,
          idx: operation.index,
          id: operation.id,
          skip: operation.skip,
          hash: operation.hash,
          timestampUtcMs: operation.timestampUtcMs,
          action: JSON.stringify(operation.action),
          error: operation.error ?? null,
        });
        written.push(operation);
      }
      const head = (heads[i] as number) + lane.operations.length;
      if (lane.snapshot !== undefined && head >= 0) {
        this.#upsertSnapshot.run({
          documentId,
          scope,
          branch,
          idx: head,
          state: JSON.stringify(lane.snapshot.state) ?? 'null',
          hash: lane.snapshot.hash,
        });
      }
    });
    if (claim !== undefined) this.#claims?.completeClaimWithin(claim, claim.attempts);
    return { operations: written, replayed: false };
  }

  #headOf(lane: Lane): number {
    return this.#head.get(lane)?.head ?? -1;
  }

  /** Per ref, the row stored with its id in its lane of this document and branch. */
  #stored(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): (OperationRow | undefined)[] {
    const pairs = JSON.stringify(refs.map(({ scope, id }) => [scope, id]));
    const rows = this.#find.all({ documentId, branch, refs: pairs });
    const found: (OperationRow | undefined)[] = refs.map(() => undefined);
    for (const row of rows) found[row.ref] = row;
    return found;
  }
}

/**
 * Rejects a request that would break contiguity or store an operation id twice in a lane;
 * `stored` holds, per operation of the request in order, the row its lane holds with its id.
 */
function checkShape(lanes: LaneWrite[], stored: (OperationRow | undefined)[]): void {
  const scopes = new Set(lanes.map((lane) => lane.scope));
  if (scopes.size !== lanes.length) {
    throw new Error('Malformed append: a scope appears twice in `lanes`');
  }
  let position = 0;
  for (const lane of lanes) {
    const seen = new Set<string>();
    for (let i = 0; i < lane.operations.length; i++, position++) {
      const operation = lane.operations[i] as Operation;
      const expected = lane.expectedHead + 1 + i;
      if (operation.index !== expected) {
        throw new Error(
          `Malformed append: operation ${operation.id} of scope ${lane.scope} has index ${operation.index}, expected ${expected}`,
        );
      }
      if (seen.has(operation.id) || stored[position] !== undefined) {
        throw new Error(
          `Malformed append: operation id ${operation.id} is already stored in scope ${lane.scope}`,
        );
      }
      seen.add(operation.id);
    }
  }
}
