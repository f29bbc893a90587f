import { defineStatement } from './statement.js';

/**
 * Stores one operation of a lane.
 * - `@documentId`, `@scope`, `@branch`: the lane.
 * - `@idx`, `@id`, `@skip`, `@hash`, `@timestampUtcMs`: the operation's fields.
 * - `@action`: the operation's action, as JSON.
 * - `@error`: the recorded reducer rejection, or null.
 */
export const insertOperation = defineStatement<{
  documentId: string;
  scope: string;
  branch: string;
  idx: number;
  id: string;
  skip: number;
  hash: string;
  timestampUtcMs: string;
  action: string;
  error: string | null;
}>(`
INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action, error)
VALUES (@documentId, @scope, @branch, @idx, @id, @skip, @hash, @timestampUtcMs, @action, @error)
`);
