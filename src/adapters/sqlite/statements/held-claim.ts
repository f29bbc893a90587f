import { defineStatement } from './statement.js';

/**
 * 1 when claim `@token` still holds running job `@id`, or completed it already (a repeated
 * completion, e.g. an append retried after its answer was lost), else 0.
 * - `@id`, `@token`: the claim.
 */
export const heldClaim = defineStatement<{ id: string; token: string }, { held: 0 | 1 }>(`
SELECT EXISTS (
  SELECT 1 FROM jobs WHERE id = @id AND claim_token = @token AND status IN ('RUNNING', 'COMPLETED')
) AS held
`);
