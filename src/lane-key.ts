/**
 * The key of a lane in maps and caches.
 * @module
 */

/**
 * A string that identifies the lane (`documentId`, `scope`, `branch`): the JSON array of the
 * three parts. JSON quotes and escapes every part, so the encoding is injective whatever the ids
 * contain (separators, NUL, quotes, lone surrogates): two different lanes never share a key, which
 * a join with a separator cannot promise. The SQLite queue stores the same string in
 * `job_lanes.lane_key`, so it must not change.
 * @example
 * laneKey('doc-1', 'global', 'main'); // '["doc-1","global","main"]'
 */
export function laneKey(documentId: string, scope: string, branch: string): string {
  return JSON.stringify([documentId, scope, branch]);
}
