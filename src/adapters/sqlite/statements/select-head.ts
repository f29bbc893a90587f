import { defineStatement } from './statement.js';

/**
 * Index of a lane's last operation (NULL when the lane is empty).
 * - `@documentId`, `@scope`, `@branch`: the lane.
 */
export const selectHead = defineStatement<
  { documentId: string; scope: string; branch: string },
  { head: number | null }
>(`
SELECT MAX(idx) AS head FROM operations
WHERE document_id = @documentId AND scope = @scope AND branch = @branch
`);
