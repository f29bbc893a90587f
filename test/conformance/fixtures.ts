/**
 * Builders shared by the conformance suites: job inputs, actions and operations.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Action, JobInput, Operation } from '../../src/types.js';

/** A fixed start time for simulated clocks. */
export const T0 = 1_700_000_000_000;

/**
 * Whether the suites of adapter `name` run: all of them unless `SERIATIM_ADAPTERS` lists some
 * (comma-separated, case-insensitive), e.g. `SERIATIM_ADAPTERS=memory,sqlite`.
 */
export function adapterSelected(name: string): boolean {
  const only = process.env.SERIATIM_ADAPTERS?.trim();
  if (!only) return true;
  return only
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .includes(name.toLowerCase());
}

let actionCounter = 0;

/** An action in `scope` with a fresh id. */
export function makeAction(scope: string, id = `action-${++actionCounter}`): Action {
  return {
    id,
    type: 'SET',
    scope,
    input: { n: actionCounter },
    timestampUtcMs: new Date(T0).toISOString(),
  };
}

/** A valid job input: one action per scope. */
export function jobInput(
  documentId: string,
  scopes: string[],
  extra: Partial<Omit<JobInput, 'documentId' | 'scopes'>> = {},
): JobInput {
  return { documentId, scopes, actions: scopes.map((scope) => makeAction(scope)), ...extra };
}

/** A realistic operation id (hex SHA-1, 32 characters) for the lane and key. */
export function opId(documentId: string, scope: string, branch: string, key: string): string {
  return createHash('sha1')
    .update(`${documentId}:${scope}:${branch}:${key}`)
    .digest('hex')
    .slice(0, 32);
}

/** The operation at `index` of the lane, with a deterministic id. */
export function makeOperation(
  scope: string,
  index: number,
  { documentId = 'doc-1', branch = 'main', key = `k${index}` } = {},
): Operation {
  const action = makeAction(scope, `${scope}-${key}`);
  return {
    id: opId(documentId, scope, branch, action.id),
    index,
    skip: 0,
    hash: `hash-${scope}-${index}`,
    timestampUtcMs: action.timestampUtcMs,
    action,
  };
}

/** Operations `from`..`from + count - 1` of a lane. */
export function makeOperations(
  scope: string,
  from: number,
  count: number,
  options: { documentId?: string; branch?: string } = {},
): Operation[] {
  return Array.from({ length: count }, (_, i) => makeOperation(scope, from + i, options));
}
