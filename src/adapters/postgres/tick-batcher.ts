/**
 * Group commit: the calls made in one tick become one batch, one round trip.
 * @internal
 * @module
 */

/**
 * Collects items and hands them to `write` in batches. The first item of a tick schedules a
 * flush in a microtask (not a timer: nothing waits on the clock); while a batch is being written,
 * new items gather for the next one, so batches grow with the load and one batch at a time is in
 * flight. `take` picks the next batch from the waiting items (in order); the items it leaves wait
 * for the batch after. `write` answers every item of its batch and must not throw.
 */
export class TickBatcher<T> {
  readonly #take: (waiting: T[]) => { batch: T[]; rest: T[] };
  readonly #write: (batch: T[]) => Promise<void>;
  #waiting: T[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | undefined;

  constructor(options: {
    take: (waiting: T[]) => { batch: T[]; rest: T[] };
    write: (batch: T[]) => Promise<void>;
  }) {
    this.#take = options.take;
    this.#write = options.write;
  }

  /** Queues `item` for the batch of this tick (or the next one, while a batch is in flight). */
  add(item: T): void {
    this.#waiting.push(item);
    if (this.#flushScheduled || this.#flushing !== undefined) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      if (this.#flushing === undefined) this.#startFlush();
    });
  }

  /** Resolves once every item added so far is written. */
  async drain(): Promise<void> {
    while (this.#flushing !== undefined || this.#waiting.length > 0) {
      if (this.#flushing === undefined) this.#startFlush();
      await this.#flushing;
    }
  }

  #startFlush(): void {
    this.#flushing = (async () => {
      while (this.#waiting.length > 0) {
        const { batch, rest } = this.#take(this.#waiting);
        this.#waiting = rest;
        await this.#write(batch);
      }
    })().finally(() => {
      this.#flushing = undefined;
      // An item added after the loop's last look (its caller resumed before this callback)
      // would otherwise wait for the next add to flush it.
      if (this.#waiting.length > 0) this.#startFlush();
    });
  }
}

/**
 * A batch of the waiting items, in order: at most `max`, and only items that `fits` admits given
 * those taken so far (`took` records each one taken); the first item is always taken. The items
 * left out keep their order for the next batch.
 */
export function takeUpTo<T>(
  waiting: T[],
  max: number,
  fits: (item: T) => boolean = () => true,
  took: (item: T) => void = () => {},
): { batch: T[]; rest: T[] } {
  const batch: T[] = [];
  const rest: T[] = [];
  for (const item of waiting) {
    if (batch.length === 0 || (batch.length < max && fits(item))) {
      batch.push(item);
      took(item);
    } else {
      rest.push(item);
    }
  }
  return { batch, rest };
}
