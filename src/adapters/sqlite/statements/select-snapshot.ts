import { defineStatement } from './statement.js';

/**
 * The latest snapshot of a lane (no row when none is stored).
 * - `@documentId`, `@scope`, `@branch`: the lane.
 */
export const selectSnapshot = defineStatement<
  { documentId: string; scope: string; branch: string },
  { idx: number; state: string; hash: string }
>(`
SELECT idx, state, hash FROM lane_snapshots
WHERE document_id = @documentId AND scope = @scope AND branch = @branch
`);
