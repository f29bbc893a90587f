import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAction } from '../../src/document/create-action.js';
import {
  checkSignature,
  generateSignerKeys,
  signAction,
  signingPayload,
  verifyAction,
} from '../../src/document/signature.js';
import type { Action, ActionSigner } from '../../src/types.js';

const action = createAction({
  id: 'a-1',
  type: 'INCREMENT',
  scope: 'global',
  input: { by: 2 },
  timestampUtcMs: '2024-01-01T00:00:00.000Z',
});
const target = { documentId: 'doc-1', branch: 'main' };

/** `action` signed by the first key from a fixed seed whose encodings `url` changes. */
function keyWithUrlUnsafeEncodings(url: (s: string) => string): Action {
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  for (let byte = 1; byte < 256; byte++) {
    const privateKey = Buffer.concat([pkcs8Prefix, Buffer.alloc(32, byte)]).toString('base64');
    const signed = signAction(action, privateKey, target);
    const { publicKey, signature } = signed.context!.signer!;
    if (url(publicKey) !== publicKey && url(signature) !== signature) return signed;
  }
  throw new Error('no seed gave a key and a signature with + or /');
}

const withSigner = (signed: Action, signer: Partial<ActionSigner>): Action => ({
  ...signed,
  context: { signer: { ...signed.context!.signer!, ...signer } },
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The same bytes with a non-zero bit in the unused low bits of the last character. */
function withPaddingBits(encoded: string): string {
  const end = encoded.replace(/=+$/, '').length - 1;
  const spelled = `${encoded.slice(0, end)}${ALPHABET[ALPHABET.indexOf(encoded[end]!) | 1]}${encoded.slice(end + 1)}`;
  expect(Buffer.from(spelled, 'base64')).toEqual(Buffer.from(encoded, 'base64'));
  return spelled;
}

/** The Ed25519 group order: adding it to S gives a second encoding of the same scalar. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

describe('signatures', () => {
  it('signs the stable stringification of the action fields, the document and the branch', () => {
    expect(signingPayload(action, target)).toBe(
      '{"branch":"main","documentId":"doc-1","id":"a-1","input":{"by":2},"scope":"global","timestampUtcMs":"2024-01-01T00:00:00.000Z","type":"INCREMENT"}',
    );
    expect(signingPayload(action, { documentId: 'doc-1' })).toBe(signingPayload(action, target));
  });

  it('round-trips with a base64 PKCS#8 private key and with a KeyObject', () => {
    const keys = generateSignerKeys();
    const signed = signAction(action, keys.privateKey, target);
    expect(signed.context?.signer?.publicKey).toBe(keys.publicKey);
    expect(verifyAction(signed, target)).toBe(true);
    expect(checkSignature(signed, target)).toEqual({ valid: true, signer: keys.publicKey });
    expect(action.context).toBeUndefined();

    const { privateKey } = generateKeyPairSync('ed25519');
    expect(verifyAction(signAction(action, privateKey, target), target)).toBe(true);
  });

  it('passes unsigned actions', () => {
    expect(verifyAction(action, target)).toBe(true);
    expect(checkSignature(action, target)).toEqual({ valid: true, signer: undefined });
  });

  it('fails when the signed content changes', () => {
    const signed = signAction(action, generateSignerKeys().privateKey, target);
    expect(verifyAction({ ...signed, input: { by: 3 } }, target)).toBe(false);
    expect(verifyAction({ ...signed, scope: 'local' }, target)).toBe(false);
    expect(verifyAction({ ...signed, id: 'a-2' }, target)).toBe(false);
    expect(verifyAction({ ...signed, type: 'RESET' }, target)).toBe(false);
    expect(verifyAction({ ...signed, timestampUtcMs: '2024-01-01T00:00:01.000Z' }, target)).toBe(
      false,
    );
  });

  it('fails on another document or branch than the one signed for', () => {
    const signed = signAction(action, generateSignerKeys().privateKey, target);
    expect(verifyAction(signed, { documentId: 'doc-1' })).toBe(true);
    expect(verifyAction(signed, { documentId: 'doc-2' })).toBe(false);
    expect(verifyAction(signed, { documentId: 'doc-1', branch: 'b2' })).toBe(false);
    const check = checkSignature(signed, { documentId: 'doc-2' });
    expect(check.valid).toBe(false);
    expect(!check.valid && check.reason).toMatch(/context\.signer\.signature does not verify/);
  });

  it('refuses to sign or verify without a target', () => {
    const { privateKey } = generateSignerKeys();
    const signAnywhere = signAction as (action: Action, key: string) => Action;
    expect(() => signAnywhere(action, privateKey)).toThrow(TypeError);
    expect(() => signAnywhere(action, privateKey)).toThrow(/\{ documentId: string/);
    const signed = signAction(action, privateKey, target);
    expect(() => verifyAction(signed, {} as never)).toThrow(TypeError);
    expect(() => signingPayload(action, { documentId: 'd', branch: 1 as never })).toThrow(
      TypeError,
    );
  });

  it("fails with another signer's public key", () => {
    const signed = signAction(action, generateSignerKeys().privateKey, target);
    const forged = withSigner(signed, { publicKey: generateSignerKeys().publicKey });
    expect(verifyAction(forged, target)).toBe(false);
  });

  it('fails without throwing on malformed keys and signatures', () => {
    const signed = signAction(action, generateSignerKeys().privateKey, target);
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
      null,
    ];
    for (const bad of cases) {
      const forged = { ...action, context: { signer: bad as never } };
      expect(verifyAction(forged, target)).toBe(false);
    }
  });

  it('accepts one encoding only: standard padded base64 of exactly the bytes', () => {
    const url = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');
    // A fixed key (Ed25519 signs deterministically) whose key and signature both hold `+` or `/`,
    // so their base64url spellings differ: with a random key they may not (a flaky test).
    const signed = keyWithUrlUnsafeEncodings(url);
    const { publicKey, signature } = signed.context!.signer!;
    const keyDer = Buffer.from(publicKey, 'base64');
    const sigBytes = Buffer.from(signature, 'base64');
    const otherCurve = (type: 'x25519' | 'ed448') =>
      generateKeyPairSync(type as 'x25519')
        .publicKey.export({ format: 'der', type: 'spki' })
        .toString('base64');
    // S + L verifies in lenient implementations; it must not here (one signature per message).
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sigBytes[32 + i]!);
    const malleated = Buffer.from(sigBytes);
    for (let i = 0; i < 32; i++) malleated[32 + i] = Number(((s + L) >> BigInt(8 * i)) & 0xffn);

    expect(verifyAction(signed, target)).toBe(true);
    const keyCases: [string, string][] = [
      ['base64url', url(publicKey)],
      ['no padding', publicKey.replace(/=+$/, '')],
      ['whitespace around', ` ${publicKey}\n`],
      ['whitespace inside', `${publicKey.slice(0, 20)} ${publicKey.slice(20)}`],
      ['trailing DER bytes', Buffer.concat([keyDer, Buffer.from([0])]).toString('base64')],
      ['X25519 key (44 bytes too)', otherCurve('x25519')],
      ['Ed448 key', otherCurve('ed448')],
    ];
    const signatureCases: [string, string][] = [
      ['base64url', url(signature)],
      ['no padding', signature.replace(/=+$/, '')],
      ['whitespace around', `${signature} `],
      ['whitespace inside', `${signature.slice(0, 40)}\n${signature.slice(40)}`],
      ['65 bytes', Buffer.concat([sigBytes, Buffer.from([0])]).toString('base64')],
      ['63 bytes', sigBytes.subarray(0, 63).toString('base64')],
      ['non-zero padding bits', withPaddingBits(signature)],
      ['S + L', malleated.toString('base64')],
    ];
    for (const [name, value] of keyCases) {
      const check = checkSignature(withSigner(signed, { publicKey: value }), target);
      expect({ name, valid: check.valid }).toEqual({ name, valid: false });
      expect(!check.valid && check.reason).toMatch(/context\.signer\.publicKey|does not verify/);
    }
    for (const [name, value] of signatureCases) {
      const check = checkSignature(withSigner(signed, { signature: value }), target);
      expect({ name, valid: check.valid }).toEqual({ name, valid: false });
    }
  });

  it('refuses to sign with a key that is not an Ed25519 private key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() => signAction(action, publicKey, target)).toThrow(/Ed25519 private key/);
  });
});
