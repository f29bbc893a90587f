import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAction } from '../../src/document/create-action.js';
import { DocumentJobExecutor } from '../../src/document/document-job-executor.js';
import { hashScopes, hashState } from '../../src/document/hash.js';
import { type CounterState, counterModel } from '../../src/examples/counter-model.js';
import type { Action, Job, JobResult } from '../../src/types.js';
import { auditLane, createDocument, makeHarness, toJob } from '../support/document-fixtures.js';

type Scope = 'global' | 'local';
type Step =
  | { kind: 'add'; scope: Scope; by: number }
  | { kind: 'label'; scope: Scope; label: string }
  | { kind: 'reset'; scope: Scope };
type Command =
  | {
      kind: 'job';
      doc: 'd1' | 'd2';
      steps: Step[];
      hash: 'none' | 'right' | 'wrong';
      executor: 0 | 1;
    }
  | { kind: 'replay'; pick: number; executor: 0 | 1 };

const scope = fc.constantFrom<Scope>('global', 'local');
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      scope,
      by: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: -5, max: 5 }) },
        { weight: 1, arbitrary: fc.constant(Number.NaN) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('label' as const),
      scope,
      label: fc.string({ maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), scope }) },
);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('job' as const),
      doc: fc.constantFrom<'d1' | 'd2'>('d1', 'd2'),
      steps: fc.array(step, { minLength: 1, maxLength: 4 }),
      hash: fc.constantFrom<'none' | 'right' | 'wrong'>('none', 'none', 'right', 'wrong'),
      executor: fc.constantFrom<0 | 1>(0, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('replay' as const),
      pick: fc.nat(),
      executor: fc.constantFrom<0 | 1>(0, 1),
    }),
  },
);

function toAction(s: Step): Action {
  if (s.kind === 'add')
    return createAction({ type: 'INCREMENT', scope: s.scope, input: { by: s.by } });
  if (s.kind === 'label')
    return createAction({ type: 'SET_LABEL', scope: s.scope, input: { label: s.label } });
  return createAction({ type: 'RESET', scope: s.scope, input: {} });
}

/** The oracle: counter semantics written independently of the reducer. */
function simulate(
  state: Record<Scope, CounterState>,
  steps: Step[],
): Record<Scope, CounterState> | undefined {
  const next = structuredClone(state);
  for (const s of steps) {
    if (s.kind === 'add') {
      if (!Number.isFinite(s.by)) return undefined;
      next[s.scope].count += s.by;
    } else if (s.kind === 'label') next[s.scope].label = s.label;
    else next[s.scope].count = 0;
  }
  return next;
}

/** Runs a job, retrying what is retryable (write conflicts between the two executors). */
async function runWithRetries(executor: DocumentJobExecutor, job: Job): Promise<JobResult> {
  for (let attempt = 0; ; attempt++) {
    const result = await executor.execute(job);
    if (result.success || !result.error?.retryable || attempt >= 3) return result;
  }
}

describe('DocumentJobExecutor (property)', () => {
  it('keeps every lane contiguous from 0, with hashes of the replayed states, and matches an oracle', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 25 }),
        fc.constantFrom(0, 1, 10_000),
        async (commands, cacheSize) => {
          const harness = makeHarness({ cacheSize });
          const executors = [
            harness.executor,
            new DocumentJobExecutor({ store: harness.store, models: harness.models, cacheSize }),
          ];
          const initial = () => counterModel.initialState() as Record<Scope, CounterState>;
          const expected = { d1: initial(), d2: initial() };
          const applied = { d1: { global: 0, local: 0 }, d2: { global: 0, local: 0 } };
          const done: { job: Job; result: JobResult }[] = [];
          await createDocument(harness.executor, 'd1');
          await createDocument(harness.executor, 'd2');

          for (const c of commands) {
            const executor = executors[c.executor]!;
            if (c.kind === 'replay') {
              if (done.length === 0) continue;
              const { job, result } = done[c.pick % done.length]!;
              const again = await runWithRetries(executor, job);
              expect(again.success).toBe(true);
              expect(again.operations).toEqual(result.operations);
              continue;
            }
            const scopes = [...new Set(c.steps.map((s) => s.scope))];
            const after = simulate(expected[c.doc], c.steps);
            let resultingHash: string | undefined;
            if (c.hash !== 'none') {
              const target = after ?? expected[c.doc];
              const states = Object.fromEntries(scopes.map((s) => [s, target[s]]));
              resultingHash =
                scopes.length === 1 ? hashState(states[scopes[0]!]) : hashScopes(states);
              if (c.hash === 'wrong') resultingHash = hashState({ not: resultingHash });
            }
            const job = toJob({
              documentId: c.doc,
              scopes,
              actions: c.steps.map(toAction),
              resultingHash,
            });
            const result = await runWithRetries(executor, job);

            const shouldSucceed = after !== undefined && c.hash !== 'wrong';
            expect(result.success).toBe(shouldSucceed);
            if (after === undefined) expect(result.errorCode).toBe(90005);
            else if (c.hash === 'wrong') expect(result.errorCode).toBe(90003);
            if (shouldSucceed) {
              expected[c.doc] = after;
              for (const s of c.steps) applied[c.doc][s.scope] += 1;
              done.push({ job, result });
            }
          }

          for (const doc of ['d1', 'd2'] as const) {
            for (const s of ['global', 'local'] as const) {
              const audit = await auditLane(harness.memory, counterModel, doc, s);
              expect(audit.count).toBe(applied[doc][s]);
              expect(audit.state).toEqual(expected[doc][s]);
              for (const executor of executors) {
                expect(await executor.getState(doc, s, 'main')).toEqual(expected[doc][s]);
              }
            }
          }
        },
      ),
      { seed: 1_337, numRuns: 120 },
    );
  });
});
