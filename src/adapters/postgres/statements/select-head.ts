/**
 * A lane's head: the idx of its last operation, -1 when empty.
 *
 * $1 text  document_id
 * $2 text  scope
 * $3 text  branch
 * @module
 */
import type { Statement } from './statement.js';

export const selectHead: Statement = {
  name: 'seriatim_select_head',
  text: `
SELECT coalesce(max(idx), -1)::int AS head FROM operations
WHERE document_id = $1 AND scope = $2 AND branch = $3`,
};
