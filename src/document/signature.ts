/**
 * Signed actions: Ed25519 through `node:crypto` (SPEC section 3, step 1).
 * @module
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { Action } from '../types.js';
import { stableStringify } from './stable-stringify.js';

/** An Ed25519 key pair, both halves as base64 DER strings (storable as JSON). */
export type SignerKeys = {
  /** base64 of the SPKI DER encoding: what `action.context.signer.publicKey` holds. */
  publicKey: string;
  /** base64 of the PKCS#8 DER encoding. Keep it secret. */
  privateKey: string;
};

/**
 * The bytes a signature covers: the stable stringification of the action's `id`, `type`, `scope`,
 * `input` and `timestampUtcMs` (not its `context`, which carries the signature).
 */
export function signingPayload(action: Action): string {
  const { id, type, scope, input, timestampUtcMs } = action;
  return stableStringify({ id, type, scope, input, timestampUtcMs });
}

/**
 * A new Ed25519 key pair.
 * @example
 * const keys = generateSignerKeys();
 * const signed = signAction(action, keys.privateKey);
 * verifyAction(signed); // true
 */
export function generateSignerKeys(): SignerKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  };
}

/**
 * A copy of `action` signed with `privateKey` (a `KeyObject` or base64 PKCS#8 DER):
 * `context.signer` holds the public key and the signature of {@link signingPayload}.
 * @throws when the key is not an Ed25519 private key.
 */
export function signAction<T extends Action>(action: T, privateKey: KeyObject | string): T {
  const key =
    typeof privateKey === 'string'
      ? createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' })
      : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signAction needs an Ed25519 private key');
  }
  const signature = sign(null, Buffer.from(signingPayload(action)), key).toString('base64');
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');
  return { ...action, context: { ...action.context, signer: { publicKey, signature } } };
}

/**
 * Whether the action's signature is valid. An action without a signer passes; a malformed key or
 * signature, or a key that is not Ed25519, fails. Never throws.
 */
export function verifyAction(action: Action): boolean {
  const signer = action.context?.signer;
  if (signer === undefined) return true;
  try {
    if (typeof signer.publicKey !== 'string' || typeof signer.signature !== 'string') return false;
    const key = createPublicKey({
      key: Buffer.from(signer.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    const signature = Buffer.from(signer.signature, 'base64');
    if (signature.length !== 64) return false;
    return verify(null, Buffer.from(signingPayload(action)), key, signature);
  } catch {
    return false;
  }
}
