/**
 * TickBatcher (the group commit of the PostgreSQL adapter), without a database: how calls become
 * batches, how batches split between parallel slots, and that nothing added is left unwritten.
 */
import { describe, expect, it } from 'vitest';
import { TickBatcher, takeUpTo } from '../../src/adapters/postgres/postgres-tick-batcher.js';

/** A batcher whose writes wait until `release()`; records each batch. */
function recording(parallel: number, max = 100) {
  const batches: number[][] = [];
  let open: (() => void)[] = [];
  const batcher = new TickBatcher<number>({
    take: (waiting, limit) => takeUpTo(waiting, Math.min(limit, max)),
    write: (batch) =>
      new Promise<void>((resolve) => {
        batches.push(batch);
        open.push(resolve);
      }),
    parallel,
  });
  const release = async () => {
    const waiting = open;
    open = [];
    for (const resolve of waiting) resolve();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batcher, batches, release, inFlight: () => open.length };
}

describe('TickBatcher', () => {
  it('writes the items of one tick as one batch, and the items added meanwhile as the next', async () => {
    const { batcher, batches, release } = recording(1);
    for (const item of [1, 2, 3]) batcher.add(item);
    await Promise.resolve();
    batcher.add(4);
    batcher.add(5);
    await release();
    await release();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('starts no batch when `take` leaves every waiting item, and takes them when a batch ends', async () => {
    const batches: number[][] = [];
    const open: (() => void)[] = [];
    const inFlight = new Set<number>();
    const batcher = new TickBatcher<number>({
      // An item equal to one in flight waits (as the claim finisher does with a job's ends).
      take: (waiting) => {
        const batch: number[] = [];
        const rest: number[] = [];
        for (const item of waiting) {
          if (inFlight.has(item)) rest.push(item);
          else {
            inFlight.add(item);
            batch.push(item);
          }
        }
        return { batch, rest };
      },
      write: (batch) =>
        new Promise<void>((resolve) => {
          batches.push(batch);
          open.push(() => {
            for (const item of batch) inFlight.delete(item);
            resolve();
          });
        }),
      parallel: 2,
    });
    batcher.add(1);
    batcher.add(1);
    await Promise.resolve();
    expect(batches).toEqual([[1]]); // the second 1 waits; the free slot stays free
    batcher.add(2);
    await Promise.resolve();
    expect(batches).toEqual([[1], [2]]);
    open.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2], [1]]);
    for (const end of open.splice(0)) end();
    await batcher.drain();
    expect(batches).toHaveLength(3);
  });

  it('splits the waiting items evenly between free slots, at most `parallel` in flight', async () => {
    const { batcher, batches, release, inFlight } = recording(2);
    for (let i = 1; i <= 6; i++) batcher.add(i);
    await Promise.resolve();
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(inFlight()).toBe(2);
    batcher.add(7);
    await Promise.resolve();
    expect(batches).toHaveLength(2); // both slots busy: 7 waits
    await release();
    expect(batches.at(-1)).toEqual([7]);
    await release();
    await batcher.drain();
  });

  it('leaves an item the take function defers for a later batch, in order', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number>({
      take: (waiting, limit) => {
        const seen = new Set<number>();
        return takeUpTo(
          waiting,
          limit,
          (item) => !seen.has(item % 2),
          (item) => seen.add(item % 2),
        );
      },
      write: async (batch) => {
        batches.push(batch);
      },
    });
    for (const item of [1, 3, 2, 5]) batcher.add(item);
    await batcher.drain();
    expect(batches).toEqual([[1, 2], [3], [5]]);
  });

  it('gives a write that throws or rejects (against its contract) to onError and writes on', async () => {
    const errors: unknown[] = [];
    const written: number[][] = [];
    const batcher = new TickBatcher<number>({
      take: (waiting, limit) => takeUpTo(waiting, limit),
      write: (batch) => {
        if (batch.includes(1)) throw new Error('threw');
        if (batch.includes(2)) return Promise.reject(new Error('rejected'));
        written.push(batch);
        return Promise.resolve();
      },
      onError: (error) => errors.push(error),
    });
    batcher.add(1);
    await batcher.drain(); // resolves: the failed flush does not reject
    batcher.add(2);
    await batcher.drain();
    batcher.add(3);
    await batcher.drain();
    expect(errors.map((error) => (error as Error).message)).toEqual(['threw', 'rejected']);
    expect(written).toEqual([[3]]);
  });
});
