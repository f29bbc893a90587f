/**
 * A lane's latest snapshot.
 *
 * $1 text  document_id
 * $2 text  scope
 * $3 text  branch
 * @module
 */
import type { Statement } from './statement.js';

export const selectSnapshot: Statement = {
  name: 'seriatim_select_snapshot',
  text: `
SELECT idx, state, hash FROM lane_snapshots
WHERE document_id = $1 AND scope = $2 AND branch = $3`,
};
