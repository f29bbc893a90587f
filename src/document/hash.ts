/**
 * State hashes (README: Semantics): SHA-1, base64, over the stable stringification of a state.
 * @module
 */
import { hash } from 'node:crypto';
import { stableStringify } from './stable-stringify.js';

/**
 * The hash of one scope's state: base64 SHA-1 of `stableStringify(state)`. Operations carry the
 * hash of their scope's state after them; a single-scope job's `resultingHash` is compared with it.
 * @example
 * hashState({ count: 1 }) === hashState(JSON.parse('{"count":1}')); // true
 */
export function hashState(state: unknown): string {
  // One-shot `crypto.hash`: the same digest as `createHash`, without a Hash object per call.
  return hash('sha1', stableStringify(state), 'base64');
}

/**
 * The hash of several scopes' states: base64 SHA-1 of the stable stringification of
 * `{ [scope]: state }` over the sorted scopes. A multi-scope job's `resultingHash` is compared
 * with it.
 * @example
 * hashScopes({ local: { count: 0 }, global: { count: 2 } });
 */
export function hashScopes(statesByScope: Readonly<Record<string, unknown>>): string {
  // stableStringify sorts keys; the explicit sort states the contract and does not depend on it.
  const sorted: Record<string, unknown> = {};
  for (const scope of Object.keys(statesByScope).sort()) sorted[scope] = statesByScope[scope];
  return hashState(sorted);
}
