/**
 * The key of a lane in maps and caches.
 * @module
 */

/**
 * A string that identifies the lane (`documentId`, `scope`, `branch`): the three parts joined with
 * NUL characters, which cannot be confused with a separator inside an id.
 * @example
 * laneKey('doc-1', 'global', 'main'); // 'doc-1\u0000global\u0000main'
 */
export function laneKey(documentId: string, scope: string, branch: string): string {
  return `${documentId}\u0000${scope}\u0000${branch}`;
}
