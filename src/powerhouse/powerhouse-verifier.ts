/**
 * Verifying Powerhouse-signed actions: ECDSA P-256 over Powerhouse's operation signature message,
 * the key a `did:key`, on `node:crypto` (see README, Powerhouse: Signatures).
 * @module
 */
import { createHash, createPublicKey, ECDH, type KeyObject, verify } from 'node:crypto';
import {
  ed25519Verifier,
  type SignatureCheck,
  type SignatureTarget,
  type SignatureVerifier,
} from '../document/signature.js';
import { stableStringify } from '../document/stable-stringify.js';
import type { Action } from '../types.js';

/** The `did:key` method prefix with base58btc's multibase `z`. */
const DID_KEY_PREFIX = 'did:key:z';
/** The multicodec of a P-256 public key (0x1200) as its varint bytes. */
const P256_MULTICODEC = [0x80, 0x24] as const;
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** An IEEE-P1363 P-256 signature (r ‖ s, 64 bytes) as Powerhouse writes it: `0x` + hex. */
const SIGNATURE_HEX = /^0x[0-9a-f]{128}$/i;

/** Options of {@link powerhouseVerifier}. */
export type PowerhouseVerifierOptions = {
  /** Checks signers that are not Powerhouse's (no `app`, no `signatures`). @default ed25519Verifier */
  fallback?: SignatureVerifier;
  /**
   * Also require each tuple's `previousStateHash` to be the lane's state hash where the action is
   * applied (`""` on an empty lane, as Powerhouse signs the first operation of a scope); a
   * mismatch fails the job with `HASH_MISMATCH`.
   * @default false
   */
  checkPreviousStateHash?: boolean;
};

/**
 * A verifier for Powerhouse's signer `{ user, app: { name, key }, signatures }`, where `app.key`
 * is a P-256 `did:key` (multicodec 0x1200, compressed point, base58btc) and each signature tuple
 * is `[unixSeconds, key, inputHash, previousStateHash, 0x…signature]`: ECDSA P-256 / SHA-256
 * (IEEE-P1363) over `"\x19Signed Operation:\n" + m.length + m`, `m` the first four elements joined.
 * Beyond what Powerhouse's own `verifyOperationSignature` checks, every tuple's key must equal
 * `app.key` and its input hash must be the action's (base64 SHA-1 of `documentId + scope + type +
 * stableStringify(input)`), so a tuple cannot be moved to another action, document or input. A
 * signer with no tuple fails. The verified `did:key` is what the authorizer is given. Other
 * signers go to `fallback`. With `checkPreviousStateHash`, each tuple's previous-state hash must
 * also be the lane's hash where the action is applied.
 * @example
 * const reactor = await createReactor({ models: [drive], verifier: powerhouseVerifier() });
 */
export function powerhouseVerifier(options: PowerhouseVerifierOptions = {}): SignatureVerifier {
  const fallback = options.fallback ?? ed25519Verifier;
  const checkLane = (action: Action, lane: { index: number; hash: string }) => {
    const signer: unknown = action.context?.signer;
    if (signer === null || typeof signer !== 'object' || !isPowerhouseSigner(signer)) {
      return fallback.checkLane?.(action, lane);
    }
    if (!options.checkPreviousStateHash) return undefined;
    const expected = lane.index < 0 ? '' : lane.hash;
    const tuples = signer.signatures as string[][]; // shape checked by verify, which ran first
    for (const [i, tuple] of tuples.entries()) {
      if (tuple[3] !== expected) {
        return `context.signer.signatures[${i}][3] is ${JSON.stringify(tuple[3])}, the lane's hash is ${JSON.stringify(expected)}`;
      }
    }
    return undefined;
  };
  return Object.freeze({
    checkLane,
    verify(action: Action, target: Required<SignatureTarget>) {
      const signer: unknown = action.context?.signer;
      if (signer === null || typeof signer !== 'object' || !isPowerhouseSigner(signer)) {
        return fallback.verify(action, target);
      }
      try {
        return checkPowerhouseSigner(action, target, signer);
      } catch {
        return invalid(
          'context.signer',
          'a Powerhouse signer { user, app: { name, key }, signatures }',
        );
      }
    },
  });
}

/** The base64 SHA-1 of the action's content, as Powerhouse's signature tuple carries it. */
export function powerhouseInputHash(
  documentId: string,
  action: Pick<Action, 'scope' | 'type' | 'input'>,
): string {
  return createHash('sha1')
    .update(`${documentId}${action.scope}${action.type}${stableStringify(action.input)}`)
    .digest('base64');
}

/** The bytes a Powerhouse signature tuple's signature covers. */
export function powerhouseSignatureMessage(tuple: readonly string[]): Buffer {
  const message = tuple.slice(0, 4).join('');
  return Buffer.from(`\x19Signed Operation:\n${message.length}${message}`, 'utf8');
}

/** The P-256 public key a `did:key` names, or undefined when it is not one. */
export function publicKeyOfDidKey(did: string): KeyObject | undefined {
  if (!did.startsWith(DID_KEY_PREFIX)) return undefined;
  const bytes = base58Decode(did.slice(DID_KEY_PREFIX.length));
  if (bytes === undefined || bytes.length !== 35) return undefined;
  if (bytes[0] !== P256_MULTICODEC[0] || bytes[1] !== P256_MULTICODEC[1]) return undefined;
  if (bytes[2] !== 0x02 && bytes[2] !== 0x03) return undefined;
  // Decompressing checks that the point is on the curve.
  const point = ECDH.convertKey(
    bytes.subarray(2),
    'prime256v1',
    undefined,
    undefined,
    'uncompressed',
  ) as Buffer;
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
}

type PowerhouseSigner = { app?: unknown; signatures?: unknown };

function isPowerhouseSigner(signer: object): signer is PowerhouseSigner {
  return !('publicKey' in signer) && ('app' in signer || 'signatures' in signer);
}

function checkPowerhouseSigner(
  action: Action,
  target: Required<SignatureTarget>,
  signer: PowerhouseSigner,
): SignatureCheck {
  const app = signer.app as { key?: unknown } | null | undefined;
  const did = app?.key;
  if (typeof did !== 'string') return invalid('context.signer.app.key', 'a P-256 did:key string');
  const key = publicKeyOfDidKey(did);
  if (key === undefined) {
    return invalid('context.signer.app.key', 'a P-256 did:key (did:key:zDn…)');
  }
  const tuples = signer.signatures;
  if (!Array.isArray(tuples) || tuples.length === 0) {
    return invalid('context.signer.signatures', 'a non-empty array of signature tuples');
  }
  const inputHash = powerhouseInputHash(target.documentId, action);
  for (const [i, tuple] of tuples.entries()) {
    const field = `context.signer.signatures[${i}]`;
    if (
      !Array.isArray(tuple) ||
      tuple.length !== 5 ||
      !tuple.every((part) => typeof part === 'string')
    ) {
      return invalid(
        field,
        'a tuple of five strings [timestamp, key, inputHash, previousStateHash, signature]',
      );
    }
    const [, tupleKey, tupleHash, , signature] = tuple as string[];
    if (tupleKey !== did) {
      return mismatch(
        `${field}[1] is not context.signer.app.key: the tuple was made with another key`,
      );
    }
    if (tupleHash !== inputHash) {
      return mismatch(
        `${field}[2] is not the hash of this action's document, scope, type and input: the action ` +
          'was changed after signing, or signed for another document',
      );
    }
    if (!SIGNATURE_HEX.test(signature as string)) {
      return invalid(`${field}[4]`, 'a 0x-prefixed hex P-256 signature of 64 bytes');
    }
    const bytes = Buffer.from((signature as string).slice(2), 'hex');
    const message = powerhouseSignatureMessage(tuple as string[]);
    if (!verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, bytes)) {
      return mismatch(`${field}[4] does not verify with context.signer.app.key`);
    }
  }
  return { valid: true, signer: did };
}

function base58Decode(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (const char of text) {
    let carry = BASE58.indexOf(char);
    if (carry < 0) return undefined;
    for (let i = 0; i < bytes.length; i++) {
      carry += (bytes[i] as number) * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (let i = 0; i < text.length && text[i] === '1'; i++) bytes.push(0);
  return Uint8Array.from(bytes.reverse());
}

function invalid(field: string, what: string): SignatureCheck {
  return { valid: false, reason: `${field} must be ${what}` };
}

function mismatch(reason: string): SignatureCheck {
  return { valid: false, reason };
}
