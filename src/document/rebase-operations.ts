/**
 * Re-applying operations pulled from a sync source onto a local lane (README: Semantics, "Fatal
 * path").
 * @module
 */
import type { LaneSnapshot, LaneWrite } from '../adapters/ports.js';
import { JobError, JobErrorCodes } from '../errors.js';
import type { Operation } from '../types.js';
import { applyAction, replayContext } from './apply-action.js';
import type { DocumentModel } from './document-model.js';
import { hashState } from './hash.js';
import { operationId } from './operation-id.js';

/** The lane's write after re-applying pulled operations, with the state they lead to. */
export type RebasedLane = LaneWrite & { snapshot: { state: unknown; hash: string } };

/**
 * Checks the operations pulled for the lane (`documentId`, `scope`, `branch`) against its local
 * snapshot `lane` and re-applies them with the reducer (`model`; the `document` scope needs none).
 * Pulled operations the lane holds already (index ≤ its head) are dropped. An operation that
 * records a rejection (`error`) is accepted without being applied: it must carry the unchanged hash.
 * @returns the lane's write (expected head: the local head), or undefined when nothing is new.
 * @throws JobError `REBASE_FAILED` when an operation does not follow the head, has `skip > 0`,
 * carries another id than its action gives in this lane, is rejected by the reducer, or leads to another state hash.
 */
export function rebaseOperations(
  ref: { documentId: string; branch: string },
  scope: string,
  lane: LaneSnapshot,
  model: DocumentModel | undefined,
  pulled: readonly Operation[] | undefined,
): RebasedLane | undefined {
  const { documentId, branch } = ref;
  const operations = (pulled ?? []).filter((operation) => operation.index > lane.index);
  if (operations.length === 0) return undefined;
  const ctx = replayContext(documentId, scope, branch);
  let state = structuredClone(lane.state);
  let hash = lane.hash;
  for (const [i, operation] of operations.entries()) {
    const { action } = operation;
    const expected = lane.index + 1 + i;
    if (operation.index !== expected) {
      throw rebaseFailed(
        `operation ${operation.id} has index ${operation.index}, expected ${expected}`,
      );
    }
    if (operation.skip !== 0) {
      throw rebaseFailed(
        `operation ${operation.id} has skip ${operation.skip}: skipping operations (undo) is not supported`,
      );
    }
    if (
      action.scope !== scope ||
      operation.id !== operationId(documentId, scope, branch, action.id)
    ) {
      throw rebaseFailed(`operation ${operation.id} does not belong to lane '${scope}'`);
    }
    if (operation.error !== undefined) {
      // A rejection recorded by the source: it holds its index, the state stays.
      if (typeof operation.error !== 'string') {
        throw rebaseFailed(`operation ${operation.id} has an \`error\` that is not a string`);
      }
      if (operation.hash !== hash) {
        throw rebaseFailed(
          `operation ${operation.id} records a rejection but carries hash ${operation.hash}, ` +
            `not the unchanged ${hash}`,
        );
      }
      continue;
    }
    try {
      state = applyAction(model, state, action, ctx);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw rebaseFailed(`operation ${operation.id} was rejected: ${reason}`);
    }
    hash = hashState(state);
    if (hash !== operation.hash) {
      throw rebaseFailed(`operation ${operation.id} leads to hash ${hash}, not ${operation.hash}`);
    }
  }
  return { scope, expectedHead: lane.index, operations, snapshot: { state, hash } };
}

function rebaseFailed(message: string): JobError {
  return new JobError(JobErrorCodes.REBASE_FAILED, `Sync failed: ${message}`);
}
