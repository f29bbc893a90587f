/**
 * Deterministic operation ids (README: Semantics, "Execution of one job").
 * @module
 */
import { hash } from 'node:crypto';

/**
 * The id of the operation that applies action `actionId` in the lane (`documentId`, `scope`,
 * `branch`): hex SHA-1 of `${documentId}:${scope}:${branch}:${actionId}`, first 32 characters.
 * Re-applying the same action yields the same id, which is what makes a re-run idempotent.
 * @example
 * operationId('doc-1', 'global', 'main', 'a-1'); // 32 hex characters
 */
export function operationId(
  documentId: string,
  scope: string,
  branch: string,
  actionId: string,
): string {
  return hash('sha1', `${documentId}:${scope}:${branch}:${actionId}`, 'hex').slice(0, 32);
}
