/**
 * The key of a lane in maps and caches.
 * @module
 */

/**
 * A part JSON writes as it is between its quotes: no `"`, `\`, control character or surrogate
 * (JSON escapes the first three and lone surrogates; a part with any surrogate takes the slow path).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters JSON escapes
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/**
 * A string that identifies the lane (`documentId`, `scope`, `branch`): the JSON array of the
 * three parts. JSON quotes and escapes every part, so the encoding is injective whatever the ids
 * contain (separators, NUL, quotes, lone surrogates): two different lanes never share a key, which
 * a join with a separator cannot promise. The SQLite queue stores the same string in
 * `job_lanes.lane_key`, so it must not change. Parts JSON leaves as they are (the usual ids) are
 * quoted directly, without building an array for `JSON.stringify` (a few lookups per job,
 * README: Performance); the result is the same string.
 * @example
 * laneKey('doc-1', 'global', 'main'); // '["doc-1","global","main"]'
 */
export function laneKey(documentId: string, scope: string, branch: string): string {
  if (PLAIN.test(documentId) && PLAIN.test(scope) && PLAIN.test(branch)) {
    return `["${documentId}","${scope}","${branch}"]`;
  }
  return JSON.stringify([documentId, scope, branch]);
}
