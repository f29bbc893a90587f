import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAction } from '../../src/document/create-action.js';
import {
  generateSignerKeys,
  signAction,
  signingPayload,
  verifyAction,
} from '../../src/document/signature.js';

const action = createAction({
  id: 'a-1',
  type: 'INCREMENT',
  scope: 'global',
  input: { by: 2 },
  timestampUtcMs: '2024-01-01T00:00:00.000Z',
});

describe('signatures', () => {
  it('signs the stable stringification of id, type, scope, input and timestamp', () => {
    expect(signingPayload(action)).toBe(
      '{"id":"a-1","input":{"by":2},"scope":"global","timestampUtcMs":"2024-01-01T00:00:00.000Z","type":"INCREMENT"}',
    );
  });

  it('round-trips with a base64 PKCS#8 private key and with a KeyObject', () => {
    const keys = generateSignerKeys();
    const signed = signAction(action, keys.privateKey);
    expect(signed.context?.signer?.publicKey).toBe(keys.publicKey);
    expect(verifyAction(signed)).toBe(true);
    expect(action.context).toBeUndefined();

    const { privateKey } = generateKeyPairSync('ed25519');
    expect(verifyAction(signAction(action, privateKey))).toBe(true);
  });

  it('passes unsigned actions', () => {
    expect(verifyAction(action)).toBe(true);
  });

  it('fails when the signed content changes', () => {
    const signed = signAction(action, generateSignerKeys().privateKey);
    expect(verifyAction({ ...signed, input: { by: 3 } })).toBe(false);
    expect(verifyAction({ ...signed, scope: 'local' })).toBe(false);
    expect(verifyAction({ ...signed, timestampUtcMs: '2024-01-01T00:00:01.000Z' })).toBe(false);
  });

  it("fails with another signer's public key", () => {
    const signed = signAction(action, generateSignerKeys().privateKey);
    const other = generateSignerKeys().publicKey;
    const forged = {
      ...signed,
      context: { signer: { ...signed.context!.signer!, publicKey: other } },
    };
    expect(verifyAction(forged)).toBe(false);
  });

  it('fails without throwing on malformed keys and signatures', () => {
    const signed = signAction(action, generateSignerKeys().privateKey);
    const signer = signed.context!.signer!;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    const cases = [
      { publicKey: 'not a key', signature: signer.signature },
      { publicKey: '', signature: signer.signature },
      { publicKey: rsa, signature: signer.signature },
      { publicKey: signer.publicKey, signature: 'AAAA' },
      { publicKey: signer.publicKey, signature: '' },
      { publicKey: 42, signature: null },
    ];
    for (const bad of cases) {
      const forged = { ...action, context: { signer: bad as never } };
      expect(verifyAction(forged)).toBe(false);
    }
  });

  it('refuses to sign with a key that is not an Ed25519 private key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() => signAction(action, publicKey)).toThrow(/Ed25519 private key/);
  });
});
