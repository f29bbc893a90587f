import { defineStatement } from './statement.js';

/**
 * Records a heartbeat on the running jobs still held by the given claims; returns the tokens
 * that still hold their job (the others were completed elsewhere or reaped). Looks jobs up by id
 * (no index on tokens: random tokens in an index cost every claim and completion ~30 µs more).
 * - `@claims`: JSON array of `[jobId, token]` pairs.
 * - `@now`: the heartbeat time (ms).
 */
export const heartbeatClaims = defineStatement<
  { claims: string; now: number },
  { claim_token: string }
>(`
UPDATE jobs SET heartbeat_at = @now
WHERE id IN (SELECT value ->> 0 FROM json_each(@claims))
  AND claim_token IN (SELECT value ->> 1 FROM json_each(@claims))
  AND status = 'RUNNING'
RETURNING claim_token
`);
