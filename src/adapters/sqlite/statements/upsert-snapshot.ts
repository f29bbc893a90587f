import { defineStatement } from './statement.js';

/**
 * Stores a lane's snapshot at index `@idx`, replacing the previous one.
 * - `@documentId`, `@scope`, `@branch`: the lane.
 * - `@idx`: the lane head the state belongs to.
 * - `@state`: the state, as JSON. `@hash`: its state hash.
 */
export const upsertSnapshot = defineStatement<{
  documentId: string;
  scope: string;
  branch: string;
  idx: number;
  state: string;
  hash: string;
}>(`
INSERT INTO lane_snapshots (document_id, scope, branch, idx, state, hash)
VALUES (@documentId, @scope, @branch, @idx, @state, @hash)
ON CONFLICT (document_id, scope, branch)
DO UPDATE SET idx = excluded.idx, state = excluded.state, hash = excluded.hash
`);
