import { defineStatement } from './statement.js';

/**
 * Clears the token a completion inside `store.append` kept on its job, so the runtime's
 * `complete` with that token succeeds once (as a no-op) and is stale afterwards. Changes one row
 * or none (the claim is stale).
 * - `@id`, `@token`: the claim.
 */
export const consumeCompletedClaim = defineStatement<{ id: string; token: string }>(`
UPDATE jobs SET claim_token = NULL
WHERE id = @id AND claim_token = @token AND status = 'COMPLETED'
`);
