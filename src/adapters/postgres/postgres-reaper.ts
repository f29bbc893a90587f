/**
 * The reaper: returns the claims of dead runners to the queue (README: Storage adapters, "Durable
 * claims").
 * @module
 */
import type { Pool } from 'pg';
import type { Clock } from '../../clock.js';
import { JobErrorCodes } from '../../errors.js';
import { QueueEventTypes } from '../../events.js';
import type { IEventBus } from '../ports.js';
import { REAPER_LOCK_CLASS } from './postgres-migrator.js';
import { inTransaction } from './postgres-transaction.js';
import { leaveLanes } from './statements/leave-lanes.js';
import { lockLanes } from './statements/lock-lanes.js';
import { reapClaims } from './statements/reap-claims.js';
import { selectStalledClaims } from './statements/select-stalled-claims.js';
import { run } from './statements/statement.js';
import { tryReaperLock } from './statements/try-reaper-lock.js';

/** What {@link PostgresReaper} needs; {@link createPostgresStorage} provides it. */
export type PostgresReaperOptions = {
  pool: Pool;
  clock: Clock;
  /** Where `jobAvailable` is published when reaped jobs are claimable again. */
  bus?: IEventBus;
  ready: () => Promise<void>;
  channel: string;
  origin: string;
  /** A running claim without a heartbeat for this long (ms) is stalled. */
  stalledThreshold: number;
  /** Stalled claims reaped by one `reap()` at most. */
  maxReapBatch: number;
  /** Retries of a job without its own `maxRetries` (the executor's `maxRetries`). */
  maxRetries: number;
};

/**
 * Finds running claims whose last heartbeat is older than `stalledThreshold` and takes them back:
 * a job goes back to `PENDING` in its place, keeping its attempt count (the claim counted the
 * attempt that never reported), or becomes `FAILED` with a `TIMEOUT` error when that was its last
 * attempt (`attempts > maxRetries`, the `maxRetries` option when the job sets none), freeing its lanes. The reaped
 * claim's token is cleared: its runner, if it was only slow, can no longer complete, fail,
 * release or heartbeat it.
 *
 * One process reaps at a time (a transaction-scoped advisory lock per schema, taken without
 * waiting); the others' `reap()` returns 0 meanwhile.
 */
export class PostgresReaper {
  readonly #options: PostgresReaperOptions;

  constructor(options: PostgresReaperOptions) {
    this.#options = options;
  }

  /** Reaps up to `maxReapBatch` stalled claims. @returns how many were reaped. */
  async reap(): Promise<number> {
    const { pool, clock, channel, origin, stalledThreshold, maxReapBatch, maxRetries } =
      this.#options;
    await this.#options.ready();
    const pending = await inTransaction(pool, async (client) => {
      const [lock] = await run<{ locked: boolean }>(client, tryReaperLock, [REAPER_LOCK_CLASS]);
      if (!lock?.locked) return { reaped: 0, returned: 0 };
      const now = clock.now();
      const cutoff = now - stalledThreshold;
      const stalled = await run<{ id: string; token: string }>(client, selectStalledClaims, [
        cutoff,
        maxReapBatch,
      ]);
      if (stalled.length === 0) return { reaped: 0, returned: 0 };
      const ids = stalled.map((claim) => claim.id);
      const tokens = stalled.map((claim) => claim.token);
      await run(client, lockLanes, [[], [], [], ids, tokens]);
      const rows = await run<{ seq: string; status: string }>(client, reapClaims, [
        ids,
        tokens,
        cutoff,
        now,
        maxRetries,
        JobErrorCodes.TIMEOUT,
        channel,
        origin,
      ]);
      const failed = rows.filter((row) => row.status === 'FAILED').map((row) => row.seq);
      if (failed.length > 0) await run(client, leaveLanes, [failed, channel, origin]);
      return { reaped: rows.length, returned: rows.length - failed.length };
    });
    if (pending.reaped > 0) this.#options.bus?.publish(QueueEventTypes.JOB_AVAILABLE, {});
    return pending.reaped;
  }
}
