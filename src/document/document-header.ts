/**
 * The header of a document: the state of its reserved `document` scope lane.
 * @module
 */
import type { Action } from '../types.js';
import { CREATE_DOCUMENT, DELETE_DOCUMENT } from './create-action.js';

/** State of the `document` lane; `null` while the lane is empty (no such document). */
export type DocumentHeader = {
  documentType: string;
  /** `timestampUtcMs` of the `CREATE_DOCUMENT` action (the reducer reads no clock). */
  createdAt: string;
  deleted: boolean;
};

/** Whether a header describes a document that exists now. */
export function documentExists(
  header: DocumentHeader | null | undefined,
): header is DocumentHeader {
  return header != null && !header.deleted;
}

/**
 * The reducer of the `document` lane: pure, returns a new header. `CREATE_DOCUMENT` needs the
 * document not to exist (a deleted one may be created again with the same type), `DELETE_DOCUMENT`
 * needs it to exist.
 * @throws Error for any other action, or when the document's existence forbids the action.
 */
export function applyHeaderAction(header: DocumentHeader | null, action: Action): DocumentHeader {
  if (action.type === CREATE_DOCUMENT) {
    const documentType = (action.input as { documentType?: unknown } | null)?.documentType;
    if (typeof documentType !== 'string' || documentType.length === 0) {
      throw new Error('CREATE_DOCUMENT needs input { documentType: string }');
    }
    if (header !== null && !header.deleted) throw new Error('the document already exists');
    if (header !== null && header.documentType !== documentType) {
      throw new Error(
        `the document was deleted as a '${header.documentType}'; it can only be created again as one`,
      );
    }
    return { documentType, createdAt: action.timestampUtcMs, deleted: false };
  }
  if (action.type === DELETE_DOCUMENT) {
    if (!documentExists(header)) throw new Error('the document does not exist');
    return { ...header, deleted: true };
  }
  throw new Error(`unknown action type '${action.type}' in the document scope`);
}
