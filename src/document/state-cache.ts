/**
 * A bounded LRU cache of lane snapshots, so a lane's state is not reloaded for every job.
 * @module
 */

import type { LaneSnapshot } from '../adapters/ports.js';
import { JobValidationError } from '../errors.js';

/** Options of {@link StateCache}. */
export type StateCacheOptions = {
  /** Lanes kept at most; the least recently used are dropped first. 0 disables the cache. @default 10000 */
  capacity?: number;
};

/**
 * Lane snapshots `{ index, state, hash }` by lane key (see `laneKey`), least recently used dropped
 * first. Entries are shared, never copied: neither the cache nor its callers may mutate them.
 * @example
 * const cache = new StateCache({ capacity: 100 });
 * cache.set(laneKey('d1', 'global', 'main'), { index: 0, state, hash });
 */
export class StateCache {
  /** Maximum number of entries. */
  readonly capacity: number;
  // Recency is a doubly linked list through the entries (oldest first), so that a hit moves its
  // entry with a few pointer writes instead of a delete and an insert in the Map: every job hits
  // twice (its lane and the `document` lane) and stores once.
  readonly #entries = new Map<string, Entry>();
  #oldest: Entry | undefined;
  #newest: Entry | undefined;

  constructor(options: StateCacheOptions = {}) {
    const capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new JobValidationError(
        'cacheSize',
        `expected \`cacheSize\` to be an integer ≥ 0, got ${String(capacity)}`,
      );
    }
    this.capacity = capacity;
  }

  /** Number of cached lanes. */
  get size(): number {
    return this.#entries.size;
  }

  /** The snapshot of the lane, marking it most recently used; undefined when not cached. */
  get(key: string): LaneSnapshot | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#touch(entry);
    return entry.snapshot;
  }

  /** Stores the snapshot of the lane, dropping the least recently used lane when full. */
  set(key: string, snapshot: LaneSnapshot): void {
    if (this.capacity === 0) return;
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.snapshot = snapshot;
      this.#touch(entry);
      return;
    }
    const added: Entry = { key, snapshot, older: this.#newest, newer: undefined };
    if (this.#newest === undefined) this.#oldest = added;
    else this.#newest.newer = added;
    this.#newest = added;
    this.#entries.set(key, added);
    if (this.#entries.size > this.capacity) this.#remove(this.#oldest!);
  }

  /** Forgets the lane; true when it was cached. */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#remove(entry);
    return true;
  }

  /** Forgets every lane. */
  clear(): void {
    this.#entries.clear();
    this.#oldest = undefined;
    this.#newest = undefined;
  }

  /** Moves `entry` to the newest end. */
  #touch(entry: Entry): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    entry.older = this.#newest;
    entry.newer = undefined;
    this.#newest!.newer = entry; // not empty: `entry` was in it, and was not the newest
    this.#newest = entry;
  }

  #remove(entry: Entry): void {
    this.#unlink(entry);
    this.#entries.delete(entry.key);
  }

  #unlink(entry: Entry): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
  }
}

/** A cached lane, linked to its neighbours in recency order. */
type Entry = {
  readonly key: string;
  snapshot: LaneSnapshot;
  older: Entry | undefined;
  newer: Entry | undefined;
};
