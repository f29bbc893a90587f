/**
 * Claims a tick of a schedule: one conditional UPDATE, claimed when it changed (returns) one row.
 * No row changes when the schedule does not exist or when this tick or a later one is claimed
 * already.
 *
 * Concurrent claims of one tick, from any number of processes, queue on the row lock; under READ
 * COMMITTED each later one re-evaluates its WHERE against the row the winner committed
 * (`last_tick < $2` no longer holds) and changes nothing. So exactly one caller wins each tick,
 * with no advisory lock and no extra table. Alternatives: a (schedule_id, tick) unique key with
 * INSERT … ON CONFLICT DO NOTHING (keeps a row per tick, and still needs the ordering check), or
 * an advisory lock around a read and a write (two round trips).
 *
 * $1 text    schedule id
 * $2 bigint  the tick (ms)
 * Returns the schedule's id when the tick was claimed, else no row.
 * @module
 */
import type { Statement } from './statement.js';

export const claimTick: Statement = {
  name: 'seriatim_claim_tick',
  text: `
UPDATE schedules SET last_tick = $2
WHERE id = $1 AND (last_tick IS NULL OR last_tick < $2)
RETURNING id`,
};
