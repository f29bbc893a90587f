/**
 * An operation store decorator that injects faults (STYLE: faults come from adapter decorators,
 * never from test-only public options).
 */
import type {
  AppendRequest,
  AppendResult,
  IOperationStore,
  LaneSnapshot,
  OperationRef,
} from '../../src/adapters/ports.js';
import type { Operation } from '../../src/types.js';

type Method = 'getOperations' | 'getHead' | 'getSnapshot' | 'findOperations' | 'append';

/**
 * Delegates to `inner`, except that a call can be made to throw (`failNext`) and a hook can run
 * right before each append reaches the inner store (`beforeAppend`, e.g. to abort a signal or to
 * write concurrently). Counts the calls of each method.
 */
export class FaultyOperationStore implements IOperationStore {
  readonly calls: Record<Method, number> = {
    getOperations: 0,
    getHead: 0,
    getSnapshot: 0,
    findOperations: 0,
    append: 0,
  };
  /** Runs before each append is delegated; may throw or act on the world. */
  beforeAppend: ((request: AppendRequest) => void | Promise<void>) | undefined;
  readonly #faults = new Map<Method, unknown[]>();

  constructor(readonly inner: IOperationStore) {}

  /** The next call of `method` throws `error` instead of reaching the inner store. */
  failNext(method: Method, error: unknown): this {
    this.#faults.set(method, [...(this.#faults.get(method) ?? []), error]);
    return this;
  }

  async getOperations(
    documentId: string,
    scope: string,
    branch: string,
    fromIndex?: number,
  ): Promise<Operation[]> {
    this.#enter('getOperations');
    return this.inner.getOperations(documentId, scope, branch, fromIndex);
  }

  async getHead(documentId: string, scope: string, branch: string): Promise<number> {
    this.#enter('getHead');
    return this.inner.getHead(documentId, scope, branch);
  }

  async getSnapshot(
    documentId: string,
    scope: string,
    branch: string,
  ): Promise<LaneSnapshot | undefined> {
    this.#enter('getSnapshot');
    return this.inner.getSnapshot(documentId, scope, branch);
  }

  async findOperations(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): Promise<(Operation | undefined)[]> {
    this.#enter('findOperations');
    return this.inner.findOperations(documentId, branch, refs);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    this.#enter('append');
    await this.beforeAppend?.(request);
    return this.inner.append(request);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #enter(method: Method): void {
    this.calls[method] += 1;
    const queued = this.#faults.get(method);
    if (queued !== undefined && queued.length > 0) throw queued.shift();
  }
}
