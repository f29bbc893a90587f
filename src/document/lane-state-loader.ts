/**
 * Loading a lane's current state: through the cache, else from the store's snapshot and the
 * operations stored after it.
 * @module
 */
import type { IOperationStore, LaneSnapshot } from '../adapters/ports.js';
import { laneKey } from '../lane-key.js';
import { applyAction, replayContext } from './apply-action.js';
import { DOCUMENT_SCOPE, type DocumentModel } from './document-model.js';
import { hashState } from './hash.js';
import type { StateCache } from './state-cache.js';

/** Cache entries a caller was served, by lane key, with the head index the cache claimed. */
export type CacheHits = Map<string, { scope: string; index: number }>;

/** How {@link LaneStateLoader.load} uses the cache. */
export type LoadOptions = {
  /** Read the store even when the lane is cached (the result is cached all the same). */
  bypassCache?: boolean;
  /** Use a cache entry only while the store's head still matches it (one `getHead` per hit). */
  verifyCache?: boolean;
  /** Records the cache entries served. */
  hits?: CacheHits;
};

/**
 * Loads lane snapshots `{ index, state, hash }` for the executor. The states it returns are shared
 * with the cache (and the store): callers copy before they change anything.
 */
export class LaneStateLoader {
  constructor(
    readonly store: IOperationStore,
    readonly cache: StateCache,
  ) {}

  /**
   * The lane's snapshot from the cache, or else from the store: its stored snapshot, brought up
   * to the lane's head by re-applying the operations stored after it (an empty lane: the initial
   * state, index -1). `model` gives model scopes their initial state and reducer; the `document`
   * scope starts from `null`.
   */
  async load(
    documentId: string,
    scope: string,
    branch: string,
    model: DocumentModel | undefined,
    options: LoadOptions = {},
  ): Promise<LaneSnapshot> {
    const key = laneKey(documentId, scope, branch);
    if (!options.bypassCache) {
      const hit = this.cache.get(key);
      if (
        hit !== undefined &&
        (!options.verifyCache ||
          hit.index === (await this.store.getHead(documentId, scope, branch)))
      ) {
        options.hits?.set(key, { scope, index: hit.index });
        return hit;
      }
    }
    const snapshot = await this.store.getSnapshot(documentId, scope, branch);
    let index = snapshot?.index ?? -1;
    let state: unknown;
    if (snapshot !== undefined) state = snapshot.state;
    else if (scope === DOCUMENT_SCOPE) state = null;
    else state = model?.initialState()[scope];
    let hash = snapshot?.hash ?? hashState(state);
    // A snapshot may lag behind the head (a writer that stored none): catch up from operations.
    const tail = await this.store.getOperations(documentId, scope, branch, index + 1);
    if (tail.length > 0) {
      state = structuredClone(state);
      const ctx = replayContext(documentId, scope, branch);
      for (const operation of tail) {
        // A recorded rejection holds its index but changed nothing.
        if (operation.error === undefined) state = applyAction(model, state, operation.action, ctx);
      }
      index = tail[tail.length - 1]!.index;
      hash = hashState(state);
    }
    const entry: LaneSnapshot = { index, state, hash };
    this.cache.set(key, entry);
    return entry;
  }

  /**
   * Whether any lane in `hits` has moved on in the store since it was cached; if so, every lane
   * of `hits` is dropped from the cache. A store failure counts as "not known to be stale".
   */
  async anyStale(documentId: string, branch: string, hits: CacheHits): Promise<boolean> {
    if (hits.size === 0) return false;
    let stale = false;
    try {
      for (const { scope, index } of hits.values()) {
        if ((await this.store.getHead(documentId, scope, branch)) !== index) stale = true;
      }
    } catch {
      return false;
    }
    if (stale) for (const key of hits.keys()) this.cache.delete(key);
    return stale;
  }
}
