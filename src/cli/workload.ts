/**
 * The main command's workload: documents of both example models, then a stream of jobs over their
 * lanes, all derived from a seed. Ids, timestamps and signatures are deterministic, so a second
 * run with the same parameters recognises the jobs it already enqueued (resume).
 * @module
 */
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { createAction, createDocumentJob } from '../document/create-action.js';
import type { DocumentModel } from '../document/document-model.js';
import { signAction } from '../document/signature.js';
import { CounterActionTypes, counterModel } from '../examples/counter-model.js';
import { TodoActionTypes, todoModel } from '../examples/todo-model.js';
import { laneKey } from '../lane-key.js';
import type { Action, JobInput } from '../types.js';

/** What a job of the workload is built to end with. */
export type Expectation = 'COMPLETED' | 'HASH_MISMATCH' | 'LIBRARY_ERROR' | 'DOCUMENT_NOT_FOUND';

/** A job of the workload: a `JobInput` with its deterministic id. */
export type WorkloadJob = JobInput & { id: string; meta: { n: number; expect: Expectation } };

export type Workload = {
  /** Namespace of this workload's ids: seed and sizes. */
  prefix: string;
  documents: { id: string; model: DocumentModel }[];
  /** Creation jobs first, then the stream, in enqueue order. */
  jobs: WorkloadJob[];
  /** How many jobs are built to end with each outcome. */
  expected: Record<Expectation, number>;
};

/** The models the workload uses. */
export const workloadModels: DocumentModel[] = [counterModel, todoModel];

const BASE_TIME = Date.UTC(2026, 0, 1);
const SCOPES = ['global', 'local'] as const;
type Scope = (typeof SCOPES)[number];

/**
 * Builds the workload of `seed`: `documents` documents (even: counter, odd: todo list) and `jobs`
 * jobs over them. About 2% of the jobs carry an Ed25519 signature, 1% a wrong `resultingHash`
 * (HASH_MISMATCH), 1% a todo action the reducer rejects (LIBRARY_ERROR), 0.5% target a document
 * that does not exist (DOCUMENT_NOT_FOUND); a fifth of the rest span both scopes.
 * @example
 * const { jobs } = buildWorkload({ seed: 1, documents: 4, jobs: 100 });
 */
export function buildWorkload(params: { seed: number; documents: number; jobs: number }): Workload {
  const prefix = `s${params.seed}-d${params.documents}-j${params.jobs}`;
  const random = mulberry32(params.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const signer = signerKey(params.seed);
  const documents = Array.from({ length: params.documents }, (_, i) => {
    const model = i % 2 === 0 ? counterModel : todoModel;
    return { id: `${prefix}/${i % 2 === 0 ? 'counter' : 'todo'}-${i}`, model };
  });
  const counters = documents.filter((doc) => doc.model === counterModel).map((doc) => doc.id);
  const todos = documents.filter((doc) => doc.model === todoModel).map((doc) => doc.id);
  const expected: Record<Expectation, number> = {
    COMPLETED: 0,
    HASH_MISMATCH: 0,
    LIBRARY_ERROR: 0,
    DOCUMENT_NOT_FOUND: 0,
  };
  // Items alive in each todo lane, as the workload expects them, so its todo actions are valid.
  const items = new Map<string, string[]>();
  const jobs: WorkloadJob[] = [];
  let n = 0;
  const action = (type: string, scope: Scope, input: unknown, k: number): Action =>
    createAction({
      type,
      scope,
      input,
      id: `${prefix}:${n}:${k}`,
      timestampUtcMs: new Date(BASE_TIME + n).toISOString(),
    });
  const push = (job: Omit<WorkloadJob, 'id' | 'meta'>, expect: Expectation) => {
    jobs.push({ ...job, id: `${prefix}:${n}`, meta: { n, expect } });
    expected[expect] += 1;
    n += 1;
  };

  for (const doc of documents) {
    const input = createDocumentJob({
      documentId: doc.id,
      documentType: doc.model.documentType,
      scopes: doc.model.scopes,
      actionId: `${prefix}:${n}:0`,
      clock: { now: () => BASE_TIME + n },
    });
    push(input, 'COMPLETED');
  }

  const counterAction = (scope: Scope, k: number): Action => {
    const roll = random();
    if (roll < 0.6) return action(CounterActionTypes.INCREMENT, scope, { by: 1 + int(9) }, k);
    if (roll < 0.85) return action(CounterActionTypes.DECREMENT, scope, { by: 1 + int(4) }, k);
    if (roll < 0.97) return action(CounterActionTypes.SET_LABEL, scope, { label: `l${n}` }, k);
    return action(CounterActionTypes.RESET, scope, {}, k);
  };
  const todoAction = (documentId: string, scope: Scope, k: number): Action => {
    const key = laneKey(documentId, scope, 'main');
    const alive = items.get(key) ?? [];
    items.set(key, alive);
    const roll = random();
    if (alive.length === 0 || roll < 0.4) {
      const id = `t${n}-${k}`;
      alive.push(id);
      return action(TodoActionTypes.ADD_TODO, scope, { id, text: `todo ${n}` }, k);
    }
    const id = pick(alive);
    if (roll < 0.7) return action(TodoActionTypes.TOGGLE_TODO, scope, { id }, k);
    if (roll < 0.85) return action(TodoActionTypes.RENAME, scope, { id, text: `renamed ${n}` }, k);
    alive.splice(alive.indexOf(id), 1);
    return action(TodoActionTypes.REMOVE_TODO, scope, { id }, k);
  };
  function int(max: number): number {
    return Math.floor(random() * max);
  }

  for (let i = 0; i < params.jobs; i++) {
    const roll = random();
    if (roll < 0.005) {
      const documentId = `${prefix}/missing-${n}`;
      push(
        { documentId, scopes: ['global'], actions: [counterAction('global', 0)] },
        'DOCUMENT_NOT_FOUND',
      );
    } else if (roll < 0.015) {
      const documentId = pick(counters);
      const actions = [counterAction('global', 0)];
      push(
        { documentId, scopes: ['global'], actions, resultingHash: 'not-the-resulting-hash' },
        'HASH_MISMATCH',
      );
    } else if (roll < 0.025 && todos.length > 0) {
      const documentId = pick(todos);
      const actions = [action(TodoActionTypes.TOGGLE_TODO, 'global', { id: `none-${n}` }, 0)];
      push({ documentId, scopes: ['global'], actions }, 'LIBRARY_ERROR');
    } else if (roll < 0.045) {
      const documentId = pick(counters);
      const scope = pick(SCOPES);
      push(
        {
          documentId,
          scopes: [scope],
          actions: [signAction(counterAction(scope, 0), signer, { documentId })],
        },
        'COMPLETED',
      );
    } else {
      const doc = pick(documents);
      const scopes: Scope[] = random() < 0.2 ? ['global', 'local'] : [pick(SCOPES)];
      const actions: Action[] = [];
      const count = 1 + int(3);
      for (let k = 0; k < count; k++) {
        const scope = scopes[k % scopes.length]!;
        actions.push(
          doc.model === counterModel ? counterAction(scope, k) : todoAction(doc.id, scope, k),
        );
      }
      push({ documentId: doc.id, scopes, actions }, 'COMPLETED');
    }
  }
  return { prefix, documents, jobs, expected };
}

/** A seeded uniform generator in [0, 1) (mulberry32): small, fast, good enough for workloads. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An Ed25519 private key derived from the seed, so signatures repeat on resume. */
function signerKey(seed: number): KeyObject {
  const raw = createHash('sha256').update(`seriatim-cli-signer:${seed}`).digest();
  // PKCS#8 wrapping of a raw 32-byte Ed25519 private key (RFC 8410).
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
}
