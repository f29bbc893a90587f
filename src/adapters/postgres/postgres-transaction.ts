/**
 * Transactions on a pool, retried on deadlock and serialization failures.
 * @module
 */
import type { Pool, PoolClient } from 'pg';

/** Deadlock and serialization failures: the transaction was rolled back and may simply rerun. */
const RERUN_CODES: ReadonlySet<string> = new Set(['40P01', '40001']);

/** Whether `error` is a deadlock or serialization failure: rolled back, safe to run again. */
export function isRerunnable(error: unknown): boolean {
  return RERUN_CODES.has(sqlState(error) ?? '');
}

/** The SQLSTATE of a driver error, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `work` in a transaction (READ COMMITTED) on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws. A deadlock or serialization failure reruns it, up to
 * `attempts` times in all, so `work` must only touch the database (or be safe to repeat).
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // the connection is unusable: do not return it
      }
      if (broken === undefined && attempt < attempts && isRerunnable(error)) {
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
