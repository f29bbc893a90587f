import { defineStatement } from './statement.js';

/**
 * Fails a stalled claim's job for good (its attempts are used up); the caller then frees its
 * lanes. Changes one row or none (the claim ended meanwhile).
 * - `@seq`, `@token`: the stalled claim.
 * - `@now`: finish time (ms).
 * - `@errorCode`, `@errorMessage`: the error recorded as the job's last error.
 */
export const reapToFailed = defineStatement<{
  seq: number;
  token: string;
  now: number;
  errorCode: number;
  errorMessage: string;
}>(`
UPDATE jobs
SET status = 'FAILED',
    finished_at = @now,
    outcome_unknown = 0,
    heartbeat_at = NULL,
    claim_token = NULL,
    last_error_code = @errorCode,
    last_error_message = @errorMessage
WHERE seq = @seq AND claim_token = @token AND status = 'RUNNING'
`);
