/**
 * The in-memory operation store.
 * @module
 */

import { WriteConflictError } from '../../errors.js';
import { laneKey } from '../../lane-key.js';
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

/** One lane's operations (`operations[i].index === i`), their ids, and its latest snapshot. */
type LaneData = {
  operations: Operation[];
  /** Operation id → operation, for idempotent replay; ids are unique per lane. */
  ids: Map<string, Operation>;
  snapshot: LaneSnapshot | undefined;
};

/** Completes the claim an append carries, in the append's turn (the memory queue does). */
export type MemoryClaimCompleter = {
  /** Throws `StaleClaimError` unless the claim still holds its running job. */
  assertClaimHeld(ref: ClaimRef): void;
  /** Completes the claim, storing `attempts` when given. */
  completeClaimWithin(ref: ClaimRef, attempts?: number): void;
};

/** Options of {@link MemoryOperationStore}. */
export type MemoryOperationStoreOptions = {
  /**
   * The queue whose claims `append` completes (`request.claim`), a `MemoryQueue`.
   * @default none: the claim of a request is ignored, and the runtime's `complete` ends it
   */
  claims?: MemoryClaimCompleter;
};

/**
 * An {@link IOperationStore} in memory: the default for library use and tests.
 *
 * Per lane (by `laneKey`) an array of operations, a map from operation id to operation (for
 * idempotent replay: ids are unique per lane, see {@link IOperationStore}) and the latest snapshot.
 * `append` runs without yielding, so it is atomic: replay check, then every lane's expected head,
 * then the request's shape, then the abort signal, then the write of every lane. Operations and
 * snapshots are stored as given and handed out as is: neither the store nor its callers mutate
 * them. Given the queue (`claims`), `append` completes the request's claim in the same turn as
 * its write (checked first: a stale claim writes nothing); without it the claim is ignored.
 *
 * @example
 * const store = new MemoryOperationStore();
 * await store.append({
 *   documentId: 'doc-1',
 *   branch: 'main',
 *   lanes: [{ scope: 'global', expectedHead: -1, operations: [operation], snapshot: { state, hash } }],
 * });
 * await store.getHead('doc-1', 'global', 'main'); // 0
 */
export class MemoryOperationStore implements IOperationStore {
  readonly #lanes = new Map<string, LaneData>();
  readonly #claims: MemoryClaimCompleter | undefined;

  constructor(options: MemoryOperationStoreOptions = {}) {
    this.#claims = options.claims;
  }

  /** A copy of the lane's operations from `fromIndex` on. */
  async getOperations(
    documentId: string,
    scope: string,
    branch: string,
    fromIndex = 0,
  ): Promise<Operation[]> {
    const lane = this.#lanes.get(laneKey(documentId, scope, branch));
    return lane === undefined ? [] : lane.operations.slice(Math.max(0, fromIndex));
  }

  /** Index of the lane's last operation, -1 when empty. */
  async getHead(documentId: string, scope: string, branch: string): Promise<number> {
    return this.#head(laneKey(documentId, scope, branch));
  }

  /** The latest snapshot stored for the lane. */
  async getSnapshot(
    documentId: string,
    scope: string,
    branch: string,
  ): Promise<LaneSnapshot | undefined> {
    return this.#lanes.get(laneKey(documentId, scope, branch))?.snapshot;
  }

  /** Per ref, the operation stored with its id in its lane, or undefined (see the port). */
  async findOperations(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): Promise<(Operation | undefined)[]> {
    return refs.map(({ scope, id }) =>
      this.#lanes.get(laneKey(documentId, scope, branch))?.ids.get(id),
    );
  }

  /**
   * Writes the operations of every lane, or nothing (see {@link IOperationStore}). Besides the
   * contract's `WriteConflictError`, a malformed request (a scope twice, an operation whose
   * `index` does not follow the lane's head, an id given twice in a lane or already stored in
   * it) throws an `Error` and writes nothing. With `request.claim` (and the queue, `claims`),
   * the claim is completed with the write, or with a replay; a stale one throws
   * `StaleClaimError` first.
   */
  async append(request: AppendRequest): Promise<AppendResult> {
    const { documentId, branch, lanes } = request;
    const claim = this.#claims === undefined ? undefined : request.claim;
    if (claim !== undefined) this.#claims?.assertClaimHeld(claim);
    const keys = lanes.map((lane) => laneKey(documentId, lane.scope, branch));
    const stored = keys.map((key) => this.#lanes.get(key));

    const replayed = replayOf(lanes, stored);
    if (replayed !== undefined) {
      if (claim !== undefined) this.#claims?.completeClaimWithin(claim, claim.attempts);
      return { operations: replayed, replayed: true };
    }

    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as LaneWrite;
      const head = this.#head(keys[i] as string);
      if (head !== lane.expectedHead) {
        throw new WriteConflictError(
          `${documentId}:${lane.scope}:${branch}`,
          lane.expectedHead,
          head,
        );
      }
    }
    checkShape(lanes, keys, stored);
    request.signal?.throwIfAborted();

    const written: Operation[] = [];
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as LaneWrite;
      const key = keys[i] as string;
      let data = stored[i];
      if (lane.operations.length > 0) {
        if (data === undefined) {
          data = { operations: [], ids: new Map(), snapshot: undefined };
          this.#lanes.set(key, data);
        }
        for (const operation of lane.operations) {
          data.operations.push(operation);
          data.ids.set(operation.id, operation);
          written.push(operation);
        }
      }
      if (lane.snapshot !== undefined && data !== undefined && data.operations.length > 0) {
        data.snapshot = {
          index: data.operations.length - 1,
          state: lane.snapshot.state,
          hash: lane.snapshot.hash,
        };
      }
    }
    if (claim !== undefined) this.#claims?.completeClaimWithin(claim, claim.attempts);
    return { operations: written, replayed: false };
  }

  /** Nothing to release in memory. */
  async close(): Promise<void> {}

  #head(key: string): number {
    const lane = this.#lanes.get(key);
    return lane === undefined ? -1 : lane.operations.length - 1;
  }
}

/**
 * The stored operations of the request in its order, when every one of them is stored in its
 * own lane; undefined otherwise (and for a request without operations).
 */
function replayOf(lanes: LaneWrite[], stored: (LaneData | undefined)[]): Operation[] | undefined {
  const found: Operation[] = [];
  for (let i = 0; i < lanes.length; i++) {
    for (const operation of (lanes[i] as LaneWrite).operations) {
      const match = stored[i]?.ids.get(operation.id);
      if (match === undefined) return undefined;
      found.push(match);
    }
  }
  return found.length === 0 ? undefined : found;
}

/** Rejects a request that would break contiguity or store an operation id twice in a lane. */
function checkShape(lanes: LaneWrite[], keys: string[], stored: (LaneData | undefined)[]): void {
  if (new Set(keys).size !== keys.length) {
    throw new Error('Malformed append: a scope appears twice in `lanes`');
  }
  lanes.forEach((lane, l) => {
    const seen = new Set<string>();
    for (let i = 0; i < lane.operations.length; i++) {
      const operation = lane.operations[i] as Operation;
      const expected = lane.expectedHead + 1 + i;
      if (operation.index !== expected) {
        throw new Error(
          `Malformed append: operation ${operation.id} of scope ${lane.scope} has index ${operation.index}, expected ${expected}`,
        );
      }
      if (seen.has(operation.id) || stored[l]?.ids.has(operation.id)) {
        throw new Error(
          `Malformed append: operation id ${operation.id} is already stored in scope ${lane.scope}`,
        );
      }
      seen.add(operation.id);
    }
  });
}
