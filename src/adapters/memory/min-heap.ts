/**
 * A binary min-heap, for the memory queue's ready and delayed jobs.
 * @module
 */

/**
 * A binary min-heap ordered by `less`. Push and pop are O(log n); `peek` is O(1).
 */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The smallest item, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    const less = this.#less;
    let at = items.length;
    items.push(item);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = items[parent] as T;
      if (!less(item, above)) break;
      items[at] = above;
      at = parent;
    }
    items[at] = item;
  }

  /** Keeps only the items for which `keep` returns true, in O(n). */
  filter(keep: (item: T) => boolean): void {
    const items = this.#items;
    let size = 0;
    for (const item of items) if (keep(item)) items[size++] = item;
    items.length = size;
    for (let at = (size >> 1) - 1; at >= 0; at--) this.#siftDown(at, items[at] as T);
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0] as T;
    const last = items.pop() as T;
    if (items.length > 0) this.#siftDown(0, last);
    return top;
  }

  /** Puts `item` at `start` or below it, moving smaller children up. */
  #siftDown(start: number, item: T): void {
    const items = this.#items;
    const size = items.length;
    const less = this.#less;
    let at = start;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && less(items[right] as T, items[left] as T)) child = right;
      const below = items[child] as T;
      if (!less(below, item)) break;
      items[at] = below;
      at = child;
    }
    items[at] = item;
  }
}
