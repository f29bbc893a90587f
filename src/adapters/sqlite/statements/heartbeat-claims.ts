import { defineStatement } from './statement.js';

/**
 * Records a heartbeat on the running jobs still held by the given claim tokens; returns the
 * tokens that still hold their job (the others were completed elsewhere or reaped).
 * - `@tokens`: JSON array of claim tokens.
 * - `@now`: the heartbeat time (ms).
 */
export const heartbeatClaims = defineStatement<
  { tokens: string; now: number },
  { claim_token: string }
>(`
UPDATE jobs SET heartbeat_at = @now
WHERE claim_token IN (SELECT value FROM json_each(@tokens)) AND status = 'RUNNING'
RETURNING claim_token
`);
