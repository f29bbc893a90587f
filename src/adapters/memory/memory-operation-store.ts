/**
 * The in-memory operation store.
 * @module
 */
import { laneKey } from '../../document/lane-key.js';
import { WriteConflictError } from '../../errors.js';
import type { Operation } from '../../types.js';
import type {
  AppendRequest,
  AppendResult,
  IOperationStore,
  LaneSnapshot,
  LaneWrite,
} from '../ports.js';

/** One lane's operations (`operations[i].index === i`) and its latest snapshot. */
type LaneData = { operations: Operation[]; snapshot: LaneSnapshot | undefined };

/**
 * An {@link IOperationStore} in memory: the default for library use and tests.
 *
 * Per lane an array of operations and the latest snapshot; per (document, branch) a map from
 * operation id to operation, for idempotent replay. `append` runs without yielding, so it is atomic:
 * replay check, then every lane's expected head, then the request's shape, then the abort signal,
 * then the write of every lane. Operations and snapshots are stored as given and handed out as is:
 * neither the store nor its callers mutate them. The `claim` of a request is not used (the memory
 * queue is completed by the runtime).
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
  /** (documentId, branch) → operation id → operation. */
  readonly #ids = new Map<string, Map<string, Operation>>();

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

  /** The stored operations among `ids`, each once, in the order of `ids`. */
  async findOperations(documentId: string, branch: string, ids: string[]): Promise<Operation[]> {
    const index = this.#ids.get(docKey(documentId, branch));
    if (index === undefined) return [];
    const found: Operation[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      const operation = index.get(id);
      if (operation === undefined || seen.has(id)) continue;
      seen.add(id);
      found.push(operation);
    }
    return found;
  }

  /**
   * Writes the operations of every lane, or nothing (see {@link IOperationStore}). Besides the
   * contract's `WriteConflictError`, a malformed request (a scope twice, an operation whose
   * `index` does not follow the lane's head, an id given twice or already stored) throws an
   * `Error` and writes nothing.
   */
  async append(request: AppendRequest): Promise<AppendResult> {
    const { documentId, branch, lanes } = request;
    const ids = this.#ids.get(docKey(documentId, branch));

    let total = 0;
    for (const lane of lanes) total += lane.operations.length;
    if (total > 0 && ids !== undefined) {
      const stored = replayOf(lanes, ids);
      if (stored !== undefined) return { operations: stored, replayed: true };
    }

    const keys = lanes.map((lane) => laneKey(documentId, lane.scope, branch));
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
    checkShape(lanes, keys, ids);
    request.signal?.throwIfAborted();

    const written: Operation[] = [];
    let index = ids;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as LaneWrite;
      const key = keys[i] as string;
      let data = this.#lanes.get(key);
      if (lane.operations.length > 0) {
        if (data === undefined) {
          data = { operations: [], snapshot: undefined };
          this.#lanes.set(key, data);
        }
        if (index === undefined) {
          index = new Map();
          this.#ids.set(docKey(documentId, branch), index);
        }
        for (const operation of lane.operations) {
          data.operations.push(operation);
          index.set(operation.id, operation);
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
    return { operations: written, replayed: false };
  }

  /** Nothing to release in memory. */
  async close(): Promise<void> {}

  #head(key: string): number {
    const lane = this.#lanes.get(key);
    return lane === undefined ? -1 : lane.operations.length - 1;
  }
}

function docKey(documentId: string, branch: string): string {
  return `${documentId}\u0000${branch}`;
}

/** The stored operations of the request in its order, when every one of them is stored. */
function replayOf(lanes: LaneWrite[], ids: Map<string, Operation>): Operation[] | undefined {
  const stored: Operation[] = [];
  for (const lane of lanes) {
    for (const operation of lane.operations) {
      const found = ids.get(operation.id);
      if (found === undefined) return undefined;
      stored.push(found);
    }
  }
  return stored;
}

/** Rejects a request that would break contiguity or store an operation id twice. */
function checkShape(
  lanes: LaneWrite[],
  keys: string[],
  ids: Map<string, Operation> | undefined,
): void {
  if (new Set(keys).size !== keys.length) {
    throw new Error('Malformed append: a scope appears twice in `lanes`');
  }
  const seen = new Set<string>();
  for (const lane of lanes) {
    for (let i = 0; i < lane.operations.length; i++) {
      const operation = lane.operations[i] as Operation;
      const expected = lane.expectedHead + 1 + i;
      if (operation.index !== expected) {
        throw new Error(
          `Malformed append: operation ${operation.id} of scope ${lane.scope} has index ${operation.index}, expected ${expected}`,
        );
      }
      if (seen.has(operation.id) || ids?.has(operation.id)) {
        throw new Error(`Malformed append: operation id ${operation.id} is already stored`);
      }
      seen.add(operation.id);
    }
  }
}
