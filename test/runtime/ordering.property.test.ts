/**
 * The core guarantee, as a property: whatever the workload, failures, timeouts and stops, no two
 * attempts of one lane overlap, each lane runs its jobs in enqueue order, the cap holds, and every
 * job finishes exactly once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobErrorCodes } from '../../src/errors.js';
import type { JobInput } from '../../src/types.js';
import { flush, runUntil, stepTimer } from '../support/clock.js';
import { jobInput, makeRuntime } from '../support/runtime.js';
import type { Step } from '../support/scripted-executor.js';

const LANES = 50; // 25 documents × 2 scopes
const CAP = 8;
const TIMEOUT = 100;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: 0, max: 40 }).map((after): Step => ({ kind: 'ok', after })),
  },
  {
    weight: 2,
    arbitrary: fc.constant<Step>({ kind: 'fail', code: JobErrorCodes.IO_ERROR, after: 5 }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'fail', code: JobErrorCodes.LIBRARY_ERROR }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: TIMEOUT + 1, max: 3 * TIMEOUT })
      .map((after): Step => ({ kind: 'ignoreSignal', after })),
  },
);

const jobArb = fc.record({
  doc: fc.integer({ min: 0, max: LANES / 2 - 1 }),
  scopes: fc.constantFrom(['global'], ['local'], ['global', 'local'], ['local', 'global']),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
});

const scenarioArb = fc.record({
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 60 }),
  stopAfterSteps: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  graceful: fc.boolean(),
  seed: fc.integer(),
});

describe('lane ordering (property)', () => {
  it('never overlaps a lane, keeps enqueue order per lane, respects the cap, finishes every job once', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ jobs, stopAfterSteps, graceful, seed }) => {
        const scripts = new Map<string, Step[]>();
        const inputs: JobInput[] = jobs.map((j, i) => {
          scripts.set(`j${i}`, j.steps);
          return jobInput(`j${i}`, `d${j.doc}`, [...j.scopes]);
        });
        const rt = makeRuntime({
          seed,
          config: {
            maxConcurrency: CAP,
            jobTimeout: TIMEOUT,
            retryBaseDelay: 10,
            retryMaxDelay: 80,
            maxRetries: 2,
          },
          script: (job, attempt) => {
            const steps = scripts.get(job.id)!;
            return steps[Math.min(attempt, steps.length) - 1]!;
          },
        });
        try {
          await rt.manager.start();
          await rt.queue.enqueueMany(inputs);
          if (stopAfterSteps !== undefined) {
            for (let i = 0; i < stopAfterSteps; i++) if (!(await stepTimer(rt.clock))) break;
            const stopping = rt.manager.stop(graceful);
            await runUntil(rt.clock, () => rt.monitor.count('executorStopped') === 1);
            await stopping;
            const counts = await rt.queue.counts();
            expect(counts.running).toBe(0);
            await rt.manager.start();
          }
          const ids = inputs.map((input) => input.id!);
          const terminal = () => rt.monitor.count('jobCompleted') + rt.monitor.count('jobFailed');
          await runUntil(rt.clock, () => terminal() >= ids.length);
          await flush();

          expect(rt.executor.violations).toEqual([]);
          expect(rt.executor.maxRunning).toBeLessThanOrEqual(CAP);
          // Exactly one terminal event per job.
          for (const id of ids) {
            const ends = rt.monitor
              .forJob(id)
              .filter((n) => n === 'jobCompleted' || n === 'jobFailed');
            expect(ends, id).toHaveLength(1);
          }
          expect(await rt.queue.counts()).toMatchObject({ pending: 0, running: 0 });
          // Per lane, successful jobs ran in enqueue order.
          const completed = new Set(
            rt.monitor.events
              .filter((e) => e.name === 'jobCompleted')
              .map((e) => e.payload.job.id as string),
          );
          for (const [lane, order] of rt.executor.laneOrder) {
            const [doc, scope] = lane.split('/');
            const expected = inputs
              .filter(
                (input) =>
                  input.documentId === doc &&
                  input.scopes.includes(scope!) &&
                  completed.has(input.id!),
              )
              .map((input) => input.id);
            // A late result of a timed-out attempt is recorded by the executor but discarded: compare
            // only the first success of each job.
            const firsts = order.filter((id, i) => order.indexOf(id) === i);
            expect(
              firsts.filter((id) => completed.has(id)),
              lane,
            ).toEqual(expected);
          }
        } finally {
          rt.manager.dispose();
        }
      }),
      { seed: 20261122, numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });
});
