/**
 * Takes the reaper's lock for this schema until commit, without waiting: only one process reaps
 * at a time. Uses the two-int advisory key space, apart from the lane locks.
 *
 * $1 integer  the reaper's lock class
 * Returns `locked`.
 * @module
 */
import type { Statement } from './statement.js';

export const tryReaperLock: Statement = {
  name: 'seriatim_try_reaper_lock',
  text: 'SELECT pg_try_advisory_xact_lock($1::int, hashtext(current_schema())) AS locked',
};
