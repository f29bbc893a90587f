import { describe, expect, it } from 'vitest';
import { hashScopes, hashState } from '../../src/document/hash.js';
import { operationId } from '../../src/document/operation-id.js';

describe('hashState', () => {
  it('is base64 SHA-1 of the stable stringification (vectors from openssl)', () => {
    expect(hashState({ b: 1, a: [true, undefined] })).toBe('jmXOxXbbm891S9NzzDeX2ABHqLE=');
    expect(hashState(null)).toBe('K+iMpCQsduglOsYkdIUQZQMtaDM=');
    expect(hashState({ label: '', count: 0 })).toBe('I777ThYrOSMKDP9cCpyUraJg7bE=');
  });

  it('does not depend on key order and does depend on values', () => {
    expect(hashState({ x: 1, y: 2 })).toBe(hashState({ y: 2, x: 1 }));
    expect(hashState({ x: 1, y: 2 })).not.toBe(hashState({ x: 2, y: 1 }));
  });
});

describe('hashScopes', () => {
  it('hashes { [scope]: state } over the sorted scopes', () => {
    const states = { local: { count: 1 }, global: { count: 2 } };
    expect(hashScopes(states)).toBe(hashState({ global: { count: 2 }, local: { count: 1 } }));
    expect(hashScopes({ global: { count: 2 }, local: { count: 1 } })).toBe(hashScopes(states));
  });

  it('differs from the hash of a single scope', () => {
    expect(hashScopes({ global: { count: 2 } })).not.toBe(hashState({ count: 2 }));
  });
});

describe('operationId', () => {
  it('is the first 32 hex characters of SHA-1 over documentId:scope:branch:actionId (vectors from sha1sum)', () => {
    expect(operationId('doc-1', 'global', 'main', 'a-1')).toBe('29dbaba358212ce2ad9349c197c3959e');
    expect(operationId('d', 'document', 'feature/x', '00000000-0000-4000-8000-000000000000')).toBe(
      '8e4d7ca001d6bf1e5747292ccbd873b0',
    );
    expect(operationId('ünï', 'cödé', 'main', '🙂')).toBe('7053e428701d27c25c320c60e30f84ab');
  });

  it('changes with each part', () => {
    const base = operationId('d', 's', 'b', 'a');
    expect(operationId('d2', 's', 'b', 'a')).not.toBe(base);
    expect(operationId('d', 's2', 'b', 'a')).not.toBe(base);
    expect(operationId('d', 's', 'b2', 'a')).not.toBe(base);
    expect(operationId('d', 's', 'b', 'a2')).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{32}$/);
  });
});
