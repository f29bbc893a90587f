/**
 * An operation store decorator that deep-freezes everything it stores and returns, so a caller
 * that mutates a stored state or operation (the store contract forbids it) throws a TypeError.
 */
import type {
  AppendRequest,
  AppendResult,
  IOperationStore,
  LaneSnapshot,
  OperationRef,
} from '../../src/adapters/ports.js';
import type { Operation } from '../../src/types.js';

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Delegates to `inner`; writes are frozen on their way in, reads on their way out. */
export class FreezingOperationStore implements IOperationStore {
  constructor(readonly inner: IOperationStore) {}

  async getOperations(
    documentId: string,
    scope: string,
    branch: string,
    fromIndex?: number,
  ): Promise<Operation[]> {
    return deepFreeze(await this.inner.getOperations(documentId, scope, branch, fromIndex));
  }

  getHead(documentId: string, scope: string, branch: string): Promise<number> {
    return this.inner.getHead(documentId, scope, branch);
  }

  async getSnapshot(
    documentId: string,
    scope: string,
    branch: string,
  ): Promise<LaneSnapshot | undefined> {
    return deepFreeze(await this.inner.getSnapshot(documentId, scope, branch));
  }

  async findOperations(
    documentId: string,
    branch: string,
    refs: readonly OperationRef[],
  ): Promise<(Operation | undefined)[]> {
    return deepFreeze(await this.inner.findOperations(documentId, branch, refs));
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    deepFreeze(request.lanes);
    return deepFreeze(await this.inner.append(request));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
