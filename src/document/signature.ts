/**
 * Signed actions: Ed25519 through `node:crypto` (see README, Semantics: Signatures).
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
 * Where a signed action may be applied: its document and branch. A job (or a job input) is one,
 * so `verifyAction(action, job)` works. `branch` defaults to `'main'`, as it does for jobs.
 */
export type SignatureTarget = { documentId: string; branch?: string };

/** Length in bytes of an Ed25519 signature. */
const SIGNATURE_BYTES = 64;
/** Length in bytes of an Ed25519 public key in SPKI DER (12-byte header + 32-byte key). */
const PUBLIC_KEY_BYTES = 44;

/**
 * The bytes a signature covers: the stable stringification of the plain object
 * `{ branch, documentId, id, input, scope, timestampUtcMs, type }` — the action's fields (not its
 * `context`, which carries the signature) and the document and branch it is for, so a signature
 * cannot be replayed onto another document or branch.
 * @throws TypeError when `target` has no string `documentId` or a `branch` that is not a string.
 * @example
 * signingPayload(action, { documentId: 'doc-1' }); // '{"branch":"main","documentId":"doc-1",…}'
 */
export function signingPayload(action: Action, target: SignatureTarget): string {
  const { documentId, branch } = checkTarget(target, 'signingPayload');
  const { id, type, scope, input, timestampUtcMs } = action;
  return stableStringify({ documentId, branch, id, type, scope, input, timestampUtcMs });
}

/**
 * A new Ed25519 key pair.
 * @example
 * const keys = generateSignerKeys();
 * const signed = signAction(action, keys.privateKey, { documentId: 'doc-1' });
 * verifyAction(signed, { documentId: 'doc-1' }); // true
 */
export function generateSignerKeys(): SignerKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  };
}

/**
 * A copy of `action` signed with `privateKey` (a `KeyObject` or base64 PKCS#8 DER) for the
 * document and branch of `target`: `context.signer` holds the public key and the signature of
 * {@link signingPayload}, both in canonical base64.
 * @throws TypeError when the key is not an Ed25519 private key, or `target` is missing or malformed.
 * @example
 * const signed = signAction(counterActions.increment(1), keys.privateKey, { documentId: 'doc-1' });
 * await reactor.submit({ documentId: 'doc-1', scopes: ['global'], actions: [signed] });
 */
export function signAction<T extends Action>(
  action: T,
  privateKey: KeyObject | string,
  target: SignatureTarget,
): T {
  const payload = signingPayload(action, checkTarget(target, 'signAction'));
  const key =
    typeof privateKey === 'string'
      ? createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' })
      : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signAction needs an Ed25519 private key');
  }
  const signature = sign(null, Buffer.from(payload), key).toString('base64');
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');
  return { ...action, context: { ...action.context, signer: { publicKey, signature } } };
}

/**
 * The outcome of checking an action's signature for a target. When valid, `signer` is the
 * verified public key, in its canonical encoding (undefined for an unsigned action): what the
 * authorizer is given; when not, `reason` names the field and what it must be.
 */
export type SignatureCheck =
  | { valid: true; signer: string | undefined }
  | { valid: false; reason: string };

/**
 * Checks the signatures of actions before a job runs (see README, Semantics: Signatures). An
 * invalid one fails the job with `SIGNATURE_INVALID` and the check's `reason`. It must not throw
 * for anything in the action; a throw fails the job like a store error would.
 */
export type SignatureVerifier = {
  verify(
    action: Action,
    target: Required<SignatureTarget>,
  ): SignatureCheck | Promise<SignatureCheck>;
  /**
   * Optional: checks a verified action against its lane right before it is applied — `index`
   * the lane's head (-1 when empty), `hash` the state hash there — for a signature that binds the
   * state it was made on. A reason when it does not hold: the job fails with `HASH_MISMATCH`
   * (the fatal path: the lane may lack operations the signer had seen).
   */
  checkLane?(action: Action, lane: { index: number; hash: string }): string | undefined;
};

/**
 * The default verifier: Ed25519 `{ publicKey, signature }` signers, as {@link checkSignature}
 * checks them; an action without a signer passes.
 */
export const ed25519Verifier: SignatureVerifier = Object.freeze({
  verify: (action: Action, target: Required<SignatureTarget>) => checkSignature(action, target),
});

/**
 * Checks the action's signature for `target`. Only one encoding is accepted for each value, so a
 * key compared as a string (a revocation list) cannot be passed in another spelling: the
 * signature is the standard, padded base64 of exactly 64 bytes; the key the standard, padded
 * base64 of exactly the 44-byte SPKI DER of an Ed25519 key, byte-equal to its re-export.
 * Never throws for anything in the action.
 * @throws TypeError when `target` is missing or malformed (a caller's mistake).
 */
export function checkSignature(action: Action, target: SignatureTarget): SignatureCheck {
  const resolved = checkTarget(target, 'verifyAction');
  try {
    const signer = action.context?.signer;
    if (signer === undefined) return { valid: true, signer: undefined };
    // Each field is read once, so what is checked is what is handed on.
    const publicKey: unknown = signer?.publicKey;
    const signature: unknown = signer?.signature;
    const keyBytes = canonicalBase64(publicKey, PUBLIC_KEY_BYTES);
    if (keyBytes === undefined) {
      return invalid('context.signer.publicKey', 'the 44-byte SPKI DER of an Ed25519 public key');
    }
    const key = createPublicKey({ key: keyBytes, format: 'der', type: 'spki' });
    if (
      key.asymmetricKeyType !== 'ed25519' ||
      !key.export({ format: 'der', type: 'spki' }).equals(keyBytes)
    ) {
      return invalid('context.signer.publicKey', 'the 44-byte SPKI DER of an Ed25519 public key');
    }
    const signatureBytes = canonicalBase64(signature, SIGNATURE_BYTES);
    if (signatureBytes === undefined) {
      return invalid('context.signer.signature', 'a 64-byte Ed25519 signature');
    }
    if (!verify(null, Buffer.from(signingPayload(action, resolved)), key, signatureBytes)) {
      return {
        valid: false,
        reason:
          'context.signer.signature does not verify: the action was changed after signing, or ' +
          'signed with another key, or for another document or branch (sign it for this job)',
      };
    }
    return { valid: true, signer: publicKey as string };
  } catch {
    // A key DER that does not parse, or a throwing getter in the action.
    return invalid('context.signer.publicKey', 'the 44-byte SPKI DER of an Ed25519 public key');
  }
}

/**
 * Whether the action's signature is valid for the document and branch of `target`. An action
 * without a signer passes; a key or signature that is malformed, not in canonical base64 (see
 * {@link checkSignature}), not Ed25519, or signed for other content, document or branch, fails.
 * @throws TypeError when `target` is missing or malformed; never for anything in the action.
 * @example
 * verifyAction(signed, { documentId: 'doc-1', branch: 'main' }); // or verifyAction(signed, job)
 */
export function verifyAction(action: Action, target: SignatureTarget): boolean {
  return checkSignature(action, target).valid;
}

/** The bytes `value` encodes when it is exactly the standard padded base64 of `length` bytes. */
function canonicalBase64(value: unknown, length: number): Buffer | undefined {
  // Buffer.from(…, 'base64') skips whitespace, accepts base64url and missing padding, and stops
  // at junk: re-encoding and comparing is the one strict test.
  if (typeof value !== 'string' || value.length !== Math.ceil(length / 3) * 4) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === length && bytes.toString('base64') === value ? bytes : undefined;
}

function invalid(field: string, what: string): SignatureCheck {
  return {
    valid: false,
    reason: `${field} must be the standard base64 (with padding, no whitespace) of ${what}`,
  };
}

function checkTarget(target: SignatureTarget, caller: string): Required<SignatureTarget> {
  const documentId = (target as SignatureTarget | undefined)?.documentId;
  const branch = (target as SignatureTarget | undefined)?.branch ?? 'main';
  if (typeof documentId !== 'string' || typeof branch !== 'string') {
    throw new TypeError(
      `${caller} needs the document (and branch) the action is for: ` +
        `${caller}(action, …, { documentId: string, branch?: string })`,
    );
  }
  return { documentId, branch };
}
