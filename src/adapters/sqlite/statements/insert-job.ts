import { defineStatement } from './statement.js';

/**
 * Inserts a pending job at the end of the total enqueue order; returns its `seq`.
 * - `@id`, `@documentId`, `@branch`: the job's identity and lanes' document and branch.
 * - `@scopes`, `@actions`: JSON arrays. `@meta`: JSON object or NULL.
 * - `@resultingHash`, `@maxRetries`, `@runAt`: optional fields, NULL when absent.
 * - `@handler`: a handler job's JSON `{ type, input }`, NULL for a document job.
 * - `@createdAt`: enqueue time (ms).
 * - `@blockers`: how many of its lanes already hold an unfinished job.
 */
export const insertJob = defineStatement<
  {
    id: string;
    documentId: string;
    branch: string;
    scopes: string;
    actions: string;
    resultingHash: string | null;
    createdAt: number;
    maxRetries: number | null;
    runAt: number | null;
    meta: string | null;
    blockers: number;
    handler: string | null;
  },
  { seq: number }
>(`
INSERT INTO jobs (id, document_id, branch, scopes, actions, resulting_hash, status, created_at,
                  attempts, max_retries, run_at, meta, blockers, handler)
VALUES (@id, @documentId, @branch, @scopes, @actions, @resultingHash, 'PENDING', @createdAt,
        0, @maxRetries, @runAt, @meta, @blockers, @handler)
RETURNING seq
`);
