/**
 * Takes the schema's lane barrier exclusively (until commit): no lane lock can be held meanwhile,
 * so this stands for the locks of every lane. For an enqueue batch with more distinct lanes than
 * PostgreSQL's lock table should hold at once; it waits for the transactions holding lane locks
 * and holds up new ones until it commits. Takes no parameters.
 * @module
 */
import type { Statement } from './statement.js';

export const lockAllLanes: Statement = {
  name: 'seriatim_lock_all_lanes',
  text: 'SELECT pg_advisory_xact_lock(lane_barrier_key())',
};
