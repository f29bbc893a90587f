/**
 * Group commit: the calls made in one tick become one batch, one round trip.
 * @module
 */

/** How {@link TickBatcher} forms and writes batches. */
export type TickBatcherOptions<T> = {
  /**
   * Picks the next batch from the waiting items (in order), at most `limit` of them; the items it
   * leaves wait for a later batch. It may pick none while batches are in flight (the items wait
   * for one of them to end), never when none is.
   */
  take: (waiting: T[], limit: number) => { batch: T[]; rest: T[] };
  /** Writes one batch and answers every item of it; must not throw. */
  write: (batch: T[]) => Promise<void>;
  /** Batches in flight at most (each on its own connection). @default 1 */
  parallel?: number;
  /**
   * Receives what `write` threw or rejected with against its contract (a bug), instead of an
   * unhandled rejection; the next batches are written as usual.
   * @default console.error
   */
  onError?: (error: unknown) => void;
};

/**
 * Collects items and hands them to `write` in batches. The first item of a tick schedules a
 * flush in a microtask (not a timer: nothing waits on the clock); while batches are being
 * written, new items gather for the next ones, so batches grow with the load. Up to `parallel`
 * batches are in flight at once, the waiting items split evenly between the free ones: the
 * server works on several batches at once (on several cores), and their answers come back at
 * different times, so the process handles one while the server still works on another, instead
 * of the whole load moving from process to server and back in lockstep.
 */
export class TickBatcher<T> {
  readonly #take: TickBatcherOptions<T>['take'];
  readonly #write: TickBatcherOptions<T>['write'];
  readonly #parallel: number;
  readonly #onError: (error: unknown) => void;
  #waiting: T[] = [];
  #flushScheduled = false;
  readonly #flushing = new Set<Promise<void>>();

  constructor(options: TickBatcherOptions<T>) {
    this.#take = options.take;
    this.#write = options.write;
    this.#parallel = Math.max(1, options.parallel ?? 1);
    this.#onError =
      options.onError ?? ((error) => console.error('[seriatim] postgres: a batch failed:', error));
  }

  /** Queues `item` for the batch of this tick (or a later one, while batches are in flight). */
  add(item: T): void {
    this.#waiting.push(item);
    if (this.#flushScheduled || this.#flushing.size >= this.#parallel) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#startFlushes();
    });
  }

  /** Resolves once every item added so far is written. */
  async drain(): Promise<void> {
    while (this.#flushing.size > 0 || this.#waiting.length > 0) {
      this.#startFlushes();
      await Promise.all(this.#flushing);
    }
  }

  /** `write`, its throw or rejection going to `onError`: a flush never rejects. */
  async #writeBatch(batch: T[]): Promise<void> {
    try {
      await this.#write(batch);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Starts a flush for each free slot while items wait. */
  #startFlushes(): void {
    while (this.#flushing.size < this.#parallel && this.#waiting.length > 0) {
      const free = this.#parallel - this.#flushing.size;
      const { batch, rest } = this.#take(this.#waiting, Math.ceil(this.#waiting.length / free));
      this.#waiting = rest;
      if (batch.length === 0) break; // they wait for a batch in flight (see `take`)
      const flush: Promise<void> = this.#writeBatch(batch).finally(() => {
        this.#flushing.delete(flush);
        // Items added meanwhile (their flush was not scheduled: every slot was busy).
        this.#startFlushes();
      });
      this.#flushing.add(flush);
    }
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
