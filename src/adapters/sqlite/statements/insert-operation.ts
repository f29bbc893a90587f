import { defineStatement } from './statement.js';

/**
 * Stores one operation of a lane.
 * - `@documentId`, `@scope`, `@branch`: the lane.
 * - `@idx`, `@id`, `@skip`, `@hash`, `@timestampUtcMs`: the operation's fields.
 * - `@action`: the operation's action, as JSON.
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
}>(`
INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action)
VALUES (@documentId, @scope, @branch, @idx, @id, @skip, @hash, @timestampUtcMs, @action)
`);
