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
  // A Map iterates in insertion order: re-inserting on access keeps the oldest first.
  readonly #entries = new Map<string, LaneSnapshot>();

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
    if (entry !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Stores the snapshot of the lane, dropping the least recently used lane when full. */
  set(key: string, snapshot: LaneSnapshot): void {
    if (this.capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, snapshot);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets the lane; true when it was cached. */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Forgets every lane. */
  clear(): void {
    this.#entries.clear();
  }
}
