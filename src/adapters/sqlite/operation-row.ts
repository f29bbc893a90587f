/**
 * Rows of the `operations` table.
 * @module
 */
import type { Action, Operation } from '../../types.js';

/** A row of `operations` as the store reads it. */
export type OperationRow = {
  id: string;
  idx: number;
  skip: number;
  hash: string;
  timestamp_utc_ms: string;
  action: string;
  /** The recorded reducer rejection, NULL for an applied operation. */
  error: string | null;
};

/** The operation a row holds. */
export function toOperation(row: OperationRow): Operation {
  const operation: Operation = {
    id: row.id,
    index: row.idx,
    skip: row.skip,
    hash: row.hash,
    timestampUtcMs: row.timestamp_utc_ms,
    action: JSON.parse(row.action) as Action,
  };
  if (row.error !== null) operation.error = row.error;
  return operation;
}
