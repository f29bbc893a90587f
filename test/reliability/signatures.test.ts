/**
 * Signatures and authorization, from outside: forged, tampered, replayed and non-canonically
 * encoded signatures, and denying or throwing authorizers, through `createReactor`. Each hostile
 * job must fail after exactly one attempt (SIGNATURE_INVALID or UNAUTHORIZED, not retried), write
 * nothing, and leave its lane running the jobs behind it (see README, Semantics: Signatures).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { IAuthorizer, StorageContext } from '../../src/adapters/ports.js';
import { counterModel } from '../../src/examples/index.js';
import {
  type Action,
  type ActionSigner,
  createAction,
  createReactor,
  JobErrorCodes,
  type Reactor,
  type SignatureTarget,
  type StorageOption,
  signAction,
  stableStringify,
  systemClock,
  verifyAction,
} from '../../src/index.js';
import { runUntil, SimulatedClock, seededRandom } from '../support/clock.js';
import { EventMonitor } from '../support/event-monitor.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage as openPostgres,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const SEED = 20_261_203;
const T0 = Date.UTC(2026, 0, 1);
const DOC = 'doc';
const OTHER = 'other';
const B2 = 'b2';
/** Every lane a case may touch: (documentId, scope, branch). */
const LANES: [string, string, string][] = [
  [DOC, 'global', 'main'],
  [DOC, 'local', 'main'],
  [DOC, 'global', B2],
  [OTHER, 'global', 'main'],
];

// ─── Keys and actions ────────────────────────────────────────────────────────────────────────

type Keys = { privateKey: string; publicKey: string };

/** A deterministic Ed25519 key pair (RFC 8410 PKCS#8 around a seed-derived 32-byte key). */
function keysFrom(label: string): Keys {
  const raw = createHash('sha256').update(`${SEED}:${label}`).digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return {
    privateKey: der.toString('base64'),
    publicKey: createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

/** Keys whose public key has a `+` or `/`, so its base64url spelling differs. */
function keysWithUrlUnsafeKey(label: string): Keys {
  for (let n = 0; ; n++) {
    const keys = keysFrom(`${label}-${n}`);
    if (/[+/]/.test(keys.publicKey)) return keys;
  }
}

const alice = keysWithUrlUnsafeKey('alice');
const mallory = keysFrom('mallory');
const revoked = keysWithUrlUnsafeKey('revoked');

let actionCounter = 0;
/** A fresh INCREMENT action with a unique id and a fixed timestamp. */
function increment(by: number, scope: 'global' | 'local' = 'global'): Action {
  actionCounter += 1;
  return createAction({
    id: `act-${actionCounter}`,
    type: 'INCREMENT',
    scope,
    input: { by },
    timestampUtcMs: new Date(T0 + actionCounter).toISOString(),
  });
}

/** An action signed for `target`, chosen so that its signature has a `+` or `/`. */
function signedFor(keys: Keys, target: SignatureTarget, scope?: 'global' | 'local'): Action {
  for (;;) {
    const signed = signAction(increment(1, scope), keys.privateKey, target);
    if (/[+/]/.test(signed.context!.signer!.signature)) return signed;
  }
}

const withSigner = (action: Action, signer: Partial<ActionSigner>): Action => ({
  ...action,
  context: { signer: { ...action.context!.signer!, ...signer } },
});
const base64url = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');
const bytesOf = (s: string) => Buffer.from(s, 'base64');
const otherCurveKey = (type: 'x25519' | 'ed448') =>
  generateKeyPairSync(type as 'x25519')
    .publicKey.export({ format: 'der', type: 'spki' })
    .toString('base64');

/** The Ed25519 group order: S + L is a second spelling of the same scalar (malleability). */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
function withMalleatedS(signature: string): string {
  const bytes = bytesOf(signature);
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(bytes[32 + i]!);
  for (let i = 0; i < 32; i++) bytes[32 + i] = Number(((s + L) >> BigInt(8 * i)) & 0xffn);
  return bytes.toString('base64');
}

// ─── Reactors ────────────────────────────────────────────────────────────────────────────────

type Setup = {
  name: string;
  /** Network-backed storage runs on the system clock and is awaited through `watch`. */
  simulated: boolean;
  open(): { storage: StorageOption; cleanup(): Promise<void> | void };
};
const STORAGES: Setup[] = [
  { name: 'memory', simulated: true, open: () => ({ storage: 'memory', cleanup: () => {} }) },
  {
    name: 'sqlite',
    simulated: true,
    open: () => {
      const path = tempDbPath();
      return { storage: { sqlite: path }, cleanup: () => removeDb(path) };
    },
  },
  ...(hasPostgres
    ? [
        {
          name: 'postgres',
          simulated: false,
          open: () => {
            const schema = schemaName('sig');
            return {
              storage: (ctx: StorageContext) => openPostgres(schema, ctx),
              cleanup: () => dropSchema(schema),
            };
          },
        },
      ]
    : []),
];
afterAll(() => closeAdmin());

type Seen = { actionId: string; signer: string | undefined };
type Harness = {
  reactor: Reactor;
  clock: SimulatedClock | undefined;
  monitor: EventMonitor;
  seen: Seen[];
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A started reactor with documents `doc` (branches main and b2) and `other`, retries allowed
 * (so that a retried failure would show), and an authorizer that records what it is asked.
 */
async function openReactor(setup: Setup, decide: IAuthorizer['authorize'] = () => true) {
  const { storage, cleanup } = setup.open();
  cleanups.push(cleanup);
  const clock = setup.simulated ? new SimulatedClock() : undefined;
  clock?.set(T0);
  const seen: Seen[] = [];
  const authorizer: IAuthorizer = {
    authorize: (request) => {
      seen.push({ actionId: request.action.id, signer: request.signer });
      return decide(request);
    },
  };
  const reactor = await createReactor({
    models: [counterModel],
    storage,
    clock: clock ?? systemClock,
    authorizer,
    config: { maxRetries: 3, retryBaseDelay: 10 },
    random: seededRandom(SEED),
  });
  cleanups.push(() => reactor.close());
  const monitor = new EventMonitor(reactor.bus);
  cleanups.push(() => monitor.dispose());
  await reactor.start({ maxConcurrency: 4 });
  const harness: Harness = { reactor, clock, monitor, seen };
  const created = [
    await reactor.createDocument({ documentId: DOC, documentType: counterModel.documentType }),
    await reactor.createDocument({ documentId: OTHER, documentType: counterModel.documentType }),
    await reactor.createDocument({
      documentId: DOC,
      branch: B2,
      documentType: counterModel.documentType,
    }),
  ];
  await finished(
    harness,
    created.map((job) => job.id),
  );
  return harness;
}

/** Steps the clock until every job is COMPLETED or FAILED (so a retry would run and show). */
async function finished({ reactor, clock, monitor }: Harness, ids: string[]): Promise<void> {
  const done = () =>
    ids.every((id) => monitor.forJob(id).some((e) => e === 'jobCompleted' || e === 'jobFailed'));
  if (clock) await runUntil(clock, done);
  // On the system clock a retry waits for its real backoff (retryBaseDelay: 10 ms) and then shows.
  else await Promise.all(ids.map((id) => reactor.manager.watch(id)));
  expect(done()).toBe(true);
  for (const id of ids) {
    expect((await reactor.queue.get(id))?.status).toMatch(/^(COMPLETED|FAILED)$/);
  }
}

type Case = {
  name: string;
  action: Action;
  /** Where the job goes; its scopes are the action's scope. */
  documentId: string;
  branch?: string;
  /** A second action in the same job, before the hostile one (it must not be written either). */
  before?: Action;
};

/**
 * Submits each case's job followed by an unsigned job in the same lane, runs them all, and checks
 * that each case failed with `code` after exactly one attempt, not retried, that the job behind it
 * completed, and that the stored operations are exactly those of the jobs behind.
 */
async function expectEachFails(harness: Harness, cases: Case[], code: number): Promise<void> {
  const { reactor, monitor } = harness;
  const stored = await storedActionIds(reactor);
  const submitted: { test: Case; hostile: string; next: string; nextAction: Action }[] = [];
  for (const test of cases) {
    const { action, documentId, branch = 'main' } = test;
    const hostile = await reactor.submit({
      documentId,
      branch,
      scopes: [action.scope],
      actions: test.before ? [test.before, action] : [action],
    });
    const nextAction = increment(1, action.scope as 'global' | 'local');
    const next = await reactor.submit({
      documentId,
      branch,
      scopes: [action.scope],
      actions: [nextAction],
    });
    submitted.push({ test, hostile: hostile.id, next: next.id, nextAction });
  }
  await finished(
    harness,
    submitted.flatMap((s) => [s.hostile, s.next]),
  );

  for (const { test, hostile, next, nextAction } of submitted) {
    const why = `${test.name} (job ${hostile})`;
    const result = await reactor.manager.watch(hostile);
    expect(result.success, why).toBe(false);
    expect(result.errorCode, `${why}: ${result.errorMessage}`).toBe(code);
    expect(result.error?.retryable, why).toBe(false);
    expect(result.operations, why).toEqual([]);
    const events = monitor.forJob(hostile);
    expect(
      events.filter((e) => e === 'jobStarted'),
      why,
    ).toHaveLength(1);
    expect(
      events.filter((e) => e === 'jobRetry'),
      why,
    ).toHaveLength(0);
    expect(
      events.filter((e) => e === 'jobFailed'),
      why,
    ).toHaveLength(1);
    const failed = monitor.events.find(
      (e) => e.name === 'jobFailed' && e.payload.job.id === hostile,
    );
    expect(failed?.payload).toMatchObject({ willRetry: false, retryCount: 0 });
    const record = await reactor.queue.get(hostile);
    expect({ status: record?.status, attempts: record?.attempts }, why).toEqual({
      status: 'FAILED',
      attempts: 1,
    });
    expect((await reactor.manager.watch(next)).success, `the job behind ${why}`).toBe(true);
    stored.add(nextAction.id);
  }
  // Nothing of the hostile jobs in any lane: only what was there plus the jobs behind.
  expect(await storedActionIds(reactor)).toEqual(stored);
}

/** The action ids stored in every lane the cases may touch (lanes contiguous from 0). */
async function storedActionIds(reactor: Reactor): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const [documentId, scope, branch] of LANES) {
    const ops = await reactor.store.getOperations(documentId, scope, branch);
    expect(ops.map((op) => op.index)).toEqual(ops.map((_, i) => i));
    for (const op of ops) ids.add(op.action.id);
  }
  return ids;
}

// ─── Cases ───────────────────────────────────────────────────────────────────────────────────

const onDoc = { documentId: DOC, branch: 'main' };

function forgedCases(): Case[] {
  const byMallory = signedFor(mallory, onDoc);
  const byAlice = signedFor(alice, onDoc);
  const other = signedFor(alice, onDoc);
  return [
    {
      name: "signed by mallory, carrying alice's key",
      action: withSigner(byMallory, { publicKey: alice.publicKey }),
      ...onDoc,
    },
    {
      name: "alice's signature, carrying mallory's key",
      action: withSigner(byAlice, { publicKey: mallory.publicKey }),
      ...onDoc,
    },
    {
      name: "the signer of another of alice's actions",
      action: { ...increment(1), context: other.context! },
      ...onDoc,
    },
  ];
}

function tamperedCases(): Case[] {
  const signed = () => signedFor(alice, onDoc);
  const local = signedFor(alice, onDoc);
  return [
    { name: 'input changed', action: { ...signed(), input: { by: 1000 } }, ...onDoc },
    { name: 'type changed', action: { ...signed(), type: 'DECREMENT' }, ...onDoc },
    { name: 'scope changed', action: { ...local, scope: 'local' }, ...onDoc },
    { name: 'id changed', action: { ...signed(), id: `tampered-${actionCounter}` }, ...onDoc },
    {
      name: 'timestamp changed',
      action: { ...signed(), timestampUtcMs: new Date(T0 + 1e6).toISOString() },
      ...onDoc,
    },
    {
      name: 'input changed, after a valid action of the same job',
      before: signedFor(alice, onDoc),
      action: { ...signed(), input: { by: -5 } },
      ...onDoc,
    },
  ];
}

function replayedCases(): Case[] {
  return [
    {
      name: 'signed for doc, applied on other',
      action: signedFor(alice, onDoc),
      documentId: OTHER,
    },
    {
      name: 'signed for doc/main, applied on doc/b2',
      action: signedFor(alice, onDoc),
      documentId: DOC,
      branch: B2,
    },
    {
      name: 'signed with the default branch, applied on b2',
      action: signedFor(alice, { documentId: DOC }),
      documentId: DOC,
      branch: B2,
    },
    {
      name: 'signed for doc/b2, applied on doc/main',
      action: signedFor(alice, { documentId: DOC, branch: B2 }),
      ...onDoc,
    },
    {
      name: 'signed for other, applied on doc',
      action: signedFor(alice, { documentId: OTHER }),
      ...onDoc,
    },
  ];
}

/** Every spelling of a valid key or signature but the canonical one, and keys of other types. */
function nonCanonicalCases(keys: Keys): Case[] {
  const signed = () => signedFor(keys, onDoc);
  const key = (name: string, publicKey: (key: string) => string): Case => {
    const action = signed();
    return {
      name: `public key: ${name}`,
      action: withSigner(action, { publicKey: publicKey(action.context!.signer!.publicKey) }),
      ...onDoc,
    };
  };
  const sig = (name: string, signature: (signature: string) => string): Case => {
    const action = signed();
    return {
      name: `signature: ${name}`,
      action: withSigner(action, { signature: signature(action.context!.signer!.signature) }),
      ...onDoc,
    };
  };
  return [
    key('base64url', base64url),
    key('padding missing', (k) => k.replace(/=+$/, '')),
    key('whitespace around', (k) => ` ${k}\n`),
    key('whitespace inside', (k) => `${k.slice(0, 30)} ${k.slice(30)}`),
    key('trailing DER byte', (k) =>
      Buffer.concat([bytesOf(k), Buffer.from([0])]).toString('base64'),
    ),
    key('X25519 key (44 bytes, other curve)', () => otherCurveKey('x25519')),
    key('Ed448 key', () => otherCurveKey('ed448')),
    sig('base64url', base64url),
    sig('padding missing', (s) => s.replace(/=+$/, '')),
    sig('whitespace around', (s) => `\t${s} `),
    sig('whitespace inside', (s) => `${s.slice(0, 44)}\n${s.slice(44)}`),
    sig('65 bytes', (s) => Buffer.concat([bytesOf(s), Buffer.from([0])]).toString('base64')),
    sig('63 bytes', (s) => bytesOf(s).subarray(0, 63).toString('base64')),
    sig('S + L (malleated)', withMalleatedS),
  ];
}

/** A case's hostile value must differ from the canonical one it came from, or it proves nothing. */
function expectSpellingsDiffer(cases: Case[]): void {
  for (const { name, action } of cases) {
    const { publicKey, signature } = action.context!.signer!;
    const canonical = signAction({ ...action, context: {} } as Action, alice.privateKey, onDoc);
    if (name.startsWith('public key')) expect(publicKey, name).not.toBe(alice.publicKey);
    else expect(signature, name).not.toBe(canonical.context?.signer?.signature);
  }
}

// ─── Tests ───────────────────────────────────────────────────────────────────────────────────

describe.each(STORAGES)('signatures and authorization ($name)', (setup) => {
  it('a valid signed job completes, the authorizer sees the canonical key, and the stored action still verifies', async () => {
    const harness = await openReactor(setup);
    const { reactor } = harness;
    const main = signAction(
      { ...increment(2), input: { by: 2, note: { z: [1, 'é', null], a: true } } },
      alice.privateKey,
      onDoc,
    );
    const b2 = signedFor(alice, { documentId: DOC, branch: B2 });
    const jobs = [
      await reactor.submit({ documentId: DOC, scopes: ['global'], actions: [main] }),
      await reactor.submit({ documentId: DOC, branch: B2, scopes: ['global'], actions: [b2] }),
    ];
    await finished(
      harness,
      jobs.map((job) => job.id),
    );
    for (const job of jobs) {
      const result = await reactor.manager.watch(job.id);
      expect(result.success, result.errorMessage).toBe(true);
      expect(harness.monitor.forJob(job.id).filter((e) => e === 'jobStarted')).toHaveLength(1);
    }
    expect(harness.seen.filter((s) => s.actionId === main.id || s.actionId === b2.id)).toEqual([
      { actionId: main.id, signer: alice.publicKey },
      { actionId: b2.id, signer: alice.publicKey },
    ]);
    expect(bytesOf(alice.publicKey).toString('base64')).toBe(alice.publicKey);
    // The durable round trip (JSON on SQLite) keeps the action, so it verifies again.
    const [stored] = await reactor.store.getOperations(DOC, 'global', 'main');
    expect(stored?.action).toEqual(main);
    expect(verifyAction(stored!.action, onDoc)).toBe(true);
    const [storedB2] = await reactor.store.getOperations(DOC, 'global', B2);
    expect(verifyAction(storedB2!.action, { documentId: DOC, branch: B2 })).toBe(true);
    expect(await reactor.getState(DOC, 'global')).toMatchObject({ count: 2 });
  });

  it('forged signatures fail with SIGNATURE_INVALID after one attempt, writing nothing', async () => {
    const harness = await openReactor(setup);
    const cases = forgedCases();
    await expectEachFails(harness, cases, JobErrorCodes.SIGNATURE_INVALID);
    expect(harness.seen.map((s) => s.actionId)).not.toContain(cases[0]!.action.id);
  });

  it('tampered actions fail with SIGNATURE_INVALID after one attempt, writing nothing', async () => {
    const harness = await openReactor(setup);
    await expectEachFails(harness, tamperedCases(), JobErrorCodes.SIGNATURE_INVALID);
  });

  it('replays onto another document or branch fail with SIGNATURE_INVALID after one attempt, writing nothing', async () => {
    const harness = await openReactor(setup);
    await expectEachFails(harness, replayedCases(), JobErrorCodes.SIGNATURE_INVALID);
  });

  it('non-canonical keys and signatures fail with SIGNATURE_INVALID before the authorizer is asked', async () => {
    const harness = await openReactor(setup);
    const cases = nonCanonicalCases(alice);
    expectSpellingsDiffer(cases);
    await expectEachFails(harness, cases, JobErrorCodes.SIGNATURE_INVALID);
    const hostile = new Set(cases.map((c) => c.action.id));
    expect(harness.seen.filter((s) => hostile.has(s.actionId))).toEqual([]);
  });

  it('a denying or throwing authorizer fails the job with UNAUTHORIZED after one attempt, writing nothing', async () => {
    const harness = await openReactor(setup, ({ action, signer }) => {
      if (signer === revoked.publicKey) return false;
      if ((action.input as { by?: number }).by === 13) throw new Error('policy store down');
      return true;
    });
    const throwing = increment(13);
    await expectEachFails(
      harness,
      [
        { name: 'revoked key', action: signedFor(revoked, onDoc), ...onDoc },
        { name: 'throwing authorizer', action: throwing, ...onDoc },
        {
          name: 'revoked key after an allowed action of the same job',
          before: signedFor(alice, onDoc),
          action: signedFor(revoked, onDoc),
          ...onDoc,
        },
      ],
      JobErrorCodes.UNAUTHORIZED,
    );
    expect(harness.seen.find((s) => s.actionId === throwing.id)).toBeDefined();
    const failed = harness.monitor.events.find(
      (e) => e.name === 'jobFailed' && e.payload.job.actions[0].id === throwing.id,
    );
    expect(failed?.payload.result.errorMessage).toMatch(/policy store down/);
  });

  it('a revoked key spelled another way does not get past a string-comparing authorizer', async () => {
    const harness = await openReactor(setup, ({ signer }) => signer !== revoked.publicKey);
    const cases = nonCanonicalCases(revoked)
      .filter((c) => c.name.startsWith('public key: '))
      .slice(0, 5);
    await expectEachFails(harness, cases, JobErrorCodes.SIGNATURE_INVALID);
    expect(harness.seen.filter((s) => cases.some((c) => c.action.id === s.actionId))).toEqual([]);
  });
});

// ─── Any single-field change ─────────────────────────────────────────────────────────────────

type Target = Required<SignatureTarget>;
type Change = { field: string; apply(action: Action, target: Target): [Action, Target] };

/** One field of a signed action or of its target changed to another value (payload differs). */
function singleChange(safe: boolean): fc.Arbitrary<Change> {
  const id = safe ? fc.stringMatching(/^[a-z0-9-]{1,24}$/) : fc.string({ maxLength: 24 });
  const type = safe ? fc.stringMatching(/^[A-Z_]{1,16}$/) : fc.string({ maxLength: 16 });
  const value = safe
    ? fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.stringMatching(/^[a-z ]{0,8}$/))
    : fc.jsonValue({ maxDepth: 3 });
  const timestamp = fc
    .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
    .map((d) => d.toISOString());
  const field = <T>(
    name: string,
    values: fc.Arbitrary<T>,
    set: (a: Action, t: Target, v: T) => [Action, Target],
  ) => values.map((v): Change => ({ field: name, apply: (a, t) => set(a, t, v) }));
  return fc.oneof(
    field('id', id, (a, t, v) => [{ ...a, id: v }, t]),
    field('type', type, (a, t, v) => [{ ...a, type: v }, t]),
    field('scope', fc.constant('local'), (a, t, v) => [{ ...a, scope: v }, t]),
    field('input', value, (a, t, v) => [{ ...a, input: v }, t]),
    field('input.by', fc.integer(), (a, t, v) => [{ ...a, input: { by: v } }, t]),
    field('input (extra key)', value, (a, t, v) => [
      { ...a, input: { ...(a.input as object), x: v } },
      t,
    ]),
    field('timestampUtcMs', timestamp, (a, t, v) => [{ ...a, timestampUtcMs: v }, t]),
    field('documentId', safe ? fc.constant(OTHER) : id, (a, t, v) => [a, { ...t, documentId: v }]),
    field('branch', safe ? fc.constant(B2) : id, (a, t, v) => [a, { ...t, branch: v }]),
  );
}

const payloadOf = (action: Action, target: SignatureTarget) => {
  const { id, type, scope, input, timestampUtcMs } = action;
  return stableStringify({ ...target, id, type, scope, input, timestampUtcMs });
};

describe('any single-field change of a signed action fails verification', () => {
  it('verifyAction (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.string({ minLength: 1, maxLength: 24 }),
          type: fc.string({ minLength: 1, maxLength: 16 }),
          input: fc.jsonValue({ maxDepth: 3 }),
          timestampUtcMs: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        }),
        fc.record({
          documentId: fc.string({ maxLength: 24 }),
          branch: fc.string({ maxLength: 12 }),
        }),
        singleChange(false),
        (fields, target, change) => {
          const action: Action = { ...fields, scope: 'global' };
          const signed = signAction(action, alice.privateKey, target);
          expect(verifyAction(signed, target)).toBe(true);
          const [changed, changedTarget] = change.apply(signed, target);
          fc.pre(payloadOf(changed, changedTarget) !== payloadOf(signed, target));
          expect(verifyAction(changed, changedTarget)).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('through the reactor: SIGNATURE_INVALID after one attempt, writing nothing (fast-check)', async () => {
    const harness = await openReactor(STORAGES[0]!);
    await fc.assert(
      fc.asyncProperty(singleChange(true), async (change) => {
        const signed = signedFor(alice, onDoc);
        const [action, target] = change.apply(signed, { documentId: DOC, branch: 'main' });
        fc.pre(payloadOf(action, target) !== payloadOf(signed, onDoc));
        await expectEachFails(
          harness,
          [{ name: `changed ${change.field}`, action, ...target }],
          JobErrorCodes.SIGNATURE_INVALID,
        );
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
