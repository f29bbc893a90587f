/**
 * Powerhouse-signed actions: signed with Powerhouse's own `buildOperationSignature` and a P-256
 * key made here with WebCrypto (as Powerhouse's signers do), verified by `powerhouseVerifier()`
 * through `createReactor`; tampered ones fail with SIGNATURE_INVALID, including the two that
 * Powerhouse's own `verifyOperationSignature` accepts.
 */

import type { webcrypto } from 'node:crypto';
import {
  driveDocumentModelModule as drive,
  setDriveName,
} from '@powerhousedao/shared/document-drive';
import {
  buildOperationSignature,
  buildOperationSignatureMessage,
  verifyOperationSignature,
} from '@powerhousedao/shared/document-model';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Action,
  createReactor,
  generateSignerKeys,
  JobErrorCodes,
  type JobResult,
  type Reactor,
  signAction,
} from '../../src/index.js';
import {
  fromPowerhouseModule,
  type PowerhouseAction,
  powerhouseSignatureMessage,
  powerhouseVerifier,
} from '../../src/powerhouse/index.js';

const DOC = 'signed-drive';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Encode(bytes: Uint8Array): string {
  const digits: number[] = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] as number) << 8;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '';
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out += '1';
  for (let i = digits.length - 1; i >= 0; i--) out += BASE58[digits[i] as number];
  return out;
}

type Key = { did: string; keys: webcrypto.CryptoKeyPair };

/** A fresh P-256 key pair and its did:key (multicodec 0x1200, compressed point, base58btc). */
async function newKey(): Promise<Key> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
  const x = Buffer.from(jwk.x as string, 'base64url');
  const y = Buffer.from(jwk.y as string, 'base64url');
  const compressed = Buffer.concat([Buffer.from([0x80, 0x24, (y[31] as number) & 1 ? 3 : 2]), x]);
  return { did: `did:key:z${base58Encode(compressed)}`, keys };
}

const user = {
  address: '0x0000000000000000000000000000000000000001',
  networkId: 'eip155',
  chainId: 1,
};

/** `action` signed the Powerhouse way: `tupleKey` goes into the tuple, `key` signs. */
async function signPowerhouse(
  action: PowerhouseAction,
  key: Key,
  options: { tupleKey?: string; signedAction?: PowerhouseAction; previousStateHash?: string } = {},
): Promise<{
  action: Action;
  tuple: string[];
  signer: { user: typeof user; app: { name: string; key: string }; signatures: string[][] };
}> {
  const app = { name: 'connect', key: key.did };
  const signer = { user, app: { ...app, key: options.tupleKey ?? key.did }, signatures: [] };
  const tuple = await buildOperationSignature(
    {
      documentId: DOC,
      signer,
      action: options.signedAction ?? action,
      previousStateHash: options.previousStateHash ?? '',
    },
    async (data: Uint8Array) =>
      new Uint8Array(
        await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.keys.privateKey, data),
      ),
  );
  const finalSigner = { user, app, signatures: [tuple as unknown as string[]] };
  return {
    action: { ...(action as Action), context: { signer: finalSigner as never } },
    tuple: tuple as unknown as string[],
    signer: finalSigner,
  };
}

/** Powerhouse's own check: the tuple's signature against `signer.app.key`. */
async function powerhouseAccepts(
  tuple: string[],
  signer: { app: { key: string } },
  key: Key,
): Promise<boolean> {
  return (await verifyOperationSignature(
    tuple as never,
    signer as never,
    async (_did: string, signature: Uint8Array, data: Uint8Array) =>
      crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key.keys.publicKey, signature, data),
  )) as unknown as boolean;
}

let reactor: Reactor;
let key: Key;
beforeAll(async () => {
  key = await newKey();
});
afterEach(async () => {
  await reactor?.close();
});

async function run(action: Action): Promise<JobResult> {
  reactor = await createReactor({
    models: [fromPowerhouseModule(drive)],
    verifier: powerhouseVerifier(),
  });
  await reactor.start();
  await reactor.manager.watch(
    (await reactor.createDocument({ documentId: DOC, documentType: 'powerhouse/document-drive' }))
      .id,
  );
  const job = await reactor.submit({ documentId: DOC, scopes: [action.scope], actions: [action] });
  return reactor.manager.watch(job.id);
}

describe('powerhouseVerifier', () => {
  it("signs over the bytes of Powerhouse's buildOperationSignatureMessage", () => {
    const tuple = ['1764700000', 'did:key:zDnaé', 'hash+/=', 'prev'];
    expect(powerhouseSignatureMessage(tuple)).toEqual(
      Buffer.from(buildOperationSignatureMessage(tuple as never)),
    );
  });

  it('accepts an action signed with a P-256 did:key the Powerhouse way', async () => {
    const { action, tuple, signer } = await signPowerhouse(setDriveName({ name: 'Signed' }), key);
    expect(key.did).toMatch(/^did:key:zDn/);
    expect(await powerhouseAccepts(tuple, signer, key)).toBe(true);
    const result = await run(action);
    expect(result.errorMessage).toBeUndefined();
    expect(result.success).toBe(true);
    expect(await reactor.getState(DOC, 'global')).toMatchObject({ name: 'Signed' });
  });

  it('fails a tampered input with SIGNATURE_INVALID', async () => {
    const { action } = await signPowerhouse(setDriveName({ name: 'Signed' }), key);
    const result = await run({ ...action, input: { name: 'Tampered' } });
    expect(result.error?.code).toBe(JobErrorCodes.SIGNATURE_INVALID);
    expect(result.errorMessage).toMatch(/signatures\[0\]\[2\] is not the hash of this action/);
  });

  it("fails a tuple made for another action's input, which Powerhouse's own check accepts", async () => {
    const other = setDriveName({ name: 'Other' });
    const { action, tuple, signer } = await signPowerhouse(setDriveName({ name: 'Mine' }), key, {
      signedAction: other,
    });
    expect(await powerhouseAccepts(tuple, signer, key)).toBe(true);
    const result = await run(action);
    expect(result.error?.code).toBe(JobErrorCodes.SIGNATURE_INVALID);
  });

  it("fails a tuple naming another key than app.key, which Powerhouse's own check accepts", async () => {
    const stranger = await newKey();
    const { action, tuple, signer } = await signPowerhouse(setDriveName({ name: 'Mine' }), key, {
      tupleKey: stranger.did,
    });
    expect(tuple[1]).toBe(stranger.did);
    expect(await powerhouseAccepts(tuple, signer, key)).toBe(true);
    const result = await run(action);
    expect(result.error?.code).toBe(JobErrorCodes.SIGNATURE_INVALID);
    expect(result.errorMessage).toMatch(/signatures\[0\]\[1\] is not context.signer.app.key/);
  });

  it('fails a signature by another key, and a malformed did:key', async () => {
    const stranger = await newKey();
    const { action } = await signPowerhouse(setDriveName({ name: 'Mine' }), stranger);
    const signer = action.context?.signer as unknown as { app: { key: string } };
    const forged = {
      ...action,
      context: { signer: { ...signer, app: { name: 'connect', key: key.did } } },
    };
    // The tuple's key is the stranger's: replace it too, so only the signature is wrong.
    (forged.context.signer as unknown as { signatures: string[][] }).signatures = [
      (signer as unknown as { signatures: string[][] }).signatures[0]!.map((part, i) =>
        i === 1 ? key.did : part,
      ),
    ];
    expect((await run(forged as unknown as Action)).errorMessage).toMatch(/\[4\] does not verify/);
    await reactor.close();
    const bad = {
      ...action,
      context: { signer: { ...signer, app: { name: 'connect', key: 'did:key:zNope' } } },
    };
    const result = await run(bad as unknown as Action);
    expect(result.error?.code).toBe(JobErrorCodes.SIGNATURE_INVALID);
    expect(result.errorMessage).toMatch(/context.signer.app.key must be a P-256 did:key/);
  });

  it('is needed for Powerhouse signers: the default Ed25519 verifier fails them', async () => {
    const { action } = await signPowerhouse(setDriveName({ name: 'Signed' }), key);
    reactor = await createReactor({ models: [fromPowerhouseModule(drive)] });
    await reactor.start();
    await reactor.createDocument({ documentId: DOC, documentType: 'powerhouse/document-drive' });
    const job = await reactor.submit({ documentId: DOC, scopes: ['global'], actions: [action] });
    const result = await reactor.manager.watch(job.id);
    expect(result.error?.code).toBe(JobErrorCodes.SIGNATURE_INVALID);
    expect(result.errorMessage).toMatch(/context.signer.publicKey/);
  });

  it('is checked by createReactor: a verifier without verify() is refused, naming it', async () => {
    await expect(createReactor({ models: [], verifier: {} as never })).rejects.toThrow(
      /`verifier`/,
    );
  });

  it('checks previousStateHash against the lane with checkPreviousStateHash (else HASH_MISMATCH)', async () => {
    reactor = await createReactor({
      models: [fromPowerhouseModule(drive)],
      verifier: powerhouseVerifier({ checkPreviousStateHash: true }),
    });
    await reactor.start();
    await reactor.createDocument({ documentId: DOC, documentType: 'powerhouse/document-drive' });
    const submit = async (action: Action) =>
      reactor.manager.watch(
        (await reactor.submit({ documentId: DOC, scopes: ['global'], actions: [action] })).id,
      );
    // The first operation of a scope is signed over "", as Powerhouse signs it.
    const first = await signPowerhouse(setDriveName({ name: 'one' }), key);
    const one = await submit(first.action);
    expect(one.errorMessage).toBeUndefined();
    const head = one.operations[0]?.hash as string;
    const second = await signPowerhouse(setDriveName({ name: 'two' }), key, {
      previousStateHash: head,
    });
    expect((await submit(second.action)).success).toBe(true);
    // Signed on the state after `one`, but the lane has moved on to `two`.
    const stale = await signPowerhouse(setDriveName({ name: 'three' }), key, {
      previousStateHash: head,
    });
    const result = await submit(stale.action);
    expect(result.error?.code).toBe(JobErrorCodes.HASH_MISMATCH);
    expect(result.errorMessage).toMatch(/signatures\[0\]\[3\] is .*the lane's hash is/);
    expect(await reactor.store.getHead(DOC, 'global', 'main')).toBe(1);
  });

  it('leaves Ed25519 signers to the default verifier', async () => {
    const keys = generateSignerKeys();
    const signed = signAction(setDriveName({ name: 'Ed' }) as Action, keys.privateKey, {
      documentId: DOC,
    });
    expect((await run(signed)).success).toBe(true);
    await reactor.close();
    const result = await run({ ...signed, input: { name: 'Tampered' } });
    expect(result.error?.code).toBe(JobErrorCodes.SIGNATURE_INVALID);
  });
});
