import { defineStatement } from './statement.js';

/**
 * 1 when claim `@token` of job `@id` ended already with status `@status` (a `complete`,
 * `fail` or `release` that took effect, or a completion inside `store.append`), else 0. The
 * token stays on a job its claim ended until the job is claimed again, reaped or retried, so
 * that ending the claim again the same way is a no-op success (see `IQueue` in ports.ts).
 * - `@id`, `@token`: the claim.
 * - `@status`: `COMPLETED` (complete), `FAILED` (fail) or `PENDING` (release).
 */
export const endedClaim = defineStatement<
  { id: string; token: string; status: 'COMPLETED' | 'FAILED' | 'PENDING' },
  { ended: 0 | 1 }
>(`
SELECT EXISTS (
  SELECT 1 FROM jobs WHERE id = @id AND claim_token = @token AND status = @status
) AS ended
`);
