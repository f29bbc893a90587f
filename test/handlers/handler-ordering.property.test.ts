/**
 * The lane guarantee for handler jobs, as a property through the public face (README: Handler
 * jobs): whatever the keys, throws, non-retryable errors and timeouts, no two attempts of jobs
 * sharing a key overlap, each key runs its jobs in enqueue order (a later job starts only once
 * every earlier job of its keys has finished for good), and every job ends once, as its script
 * says. Seeded, on a simulated clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createReactor,
  type Job,
  JobErrorCodes,
  type JobResult,
  NonRetryableError,
} from '../../src/index.js';
import { runUntil, SimulatedClock } from '../support/clock.js';

const KEYS = ['a', 'b', 'c', 'd'];
const TIMEOUT = 100;
const MAX_RETRIES = 2;

type Step =
  | { kind: 'ok'; after: number }
  | { kind: 'throw'; after: number }
  | { kind: 'permanent' }
  | { kind: 'hang' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.integer({ min: 0, max: 40 }).map((after) => ({ kind: 'ok', after }) as Step),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 20 }).map((after) => ({ kind: 'throw', after }) as Step),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'permanent' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'hang' }) },
);

const jobArb = fc.record({
  keys: fc
    .subarray(KEYS, { minLength: 0, maxLength: 3 })
    .chain((keys) => fc.shuffledSubarray(keys, { minLength: keys.length })),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
});

/** What the script of a job makes of it: its final outcome. */
function expectedOutcome(steps: Step[]): { success: boolean; code?: number; attempts: number } {
  for (let attempt = 1; attempt <= MAX_RETRIES + 1; attempt++) {
    const step = steps[Math.min(attempt, steps.length) - 1] as Step;
    if (step.kind === 'ok') return { success: true, attempts: attempt };
    if (step.kind === 'permanent') {
      return { success: false, code: JobErrorCodes.HANDLER_FAILED, attempts: attempt };
    }
    if (attempt === MAX_RETRIES + 1) {
      const code = step.kind === 'hang' ? JobErrorCodes.TIMEOUT : JobErrorCodes.IO_ERROR;
      return { success: false, code, attempts: attempt };
    }
  }
  throw new Error('unreachable');
}

describe('handler job ordering (property)', () => {
  it('never overlaps jobs of a key, keeps enqueue order per key, ends each job once as scripted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobArb, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (jobs, cap) => {
          const clock = new SimulatedClock();
          clock.set(Date.UTC(2026, 0, 1));
          const reactor = await createReactor({ models: [], clock, random: () => 0.5 });
          /** The job index holding each key, while an attempt runs. */
          const holders = new Map<string, number>();
          const finished = new Set<number>();
          const firstStart = new Map<number, number>();
          let order = 0;
          const violations: string[] = [];
          reactor.registerHandler(
            'scripted',
            (input: { index: number }, { attempt, signal }) =>
              new Promise((resolve, reject) => {
                const { index } = input;
                const job = jobs[index]!;
                for (const key of job.keys) {
                  const holder = holders.get(key);
                  if (holder !== undefined)
                    violations.push(`job ${index} overlaps ${holder} on ${key}`);
                  holders.set(key, index);
                }
                if (!firstStart.has(index)) {
                  firstStart.set(index, order++);
                  for (let earlier = 0; earlier < index; earlier++) {
                    const shared = jobs[earlier]!.keys.some((key) => job.keys.includes(key));
                    if (shared && !finished.has(earlier)) {
                      violations.push(`job ${index} started before job ${earlier} finished`);
                    }
                  }
                }
                const leave = () => {
                  for (const key of job.keys) if (holders.get(key) === index) holders.delete(key);
                  // Its last attempt (as the script says) has ended: the job is done with its keys.
                  if (attempt === expectedOutcome(job.steps).attempts) finished.add(index);
                };
                signal.addEventListener('abort', leave, { once: true });
                const step = job.steps[Math.min(attempt, job.steps.length) - 1]!;
                const end = (settle: () => void) => {
                  leave();
                  settle();
                };
                if (step.kind === 'ok') {
                  clock.setTimeout(() => end(() => resolve({ index, attempt })), step.after);
                } else if (step.kind === 'throw') {
                  clock.setTimeout(() => end(() => reject(new Error('transient'))), step.after);
                } else if (step.kind === 'permanent') {
                  end(() => reject(new NonRetryableError('permanent')));
                }
                // 'hang' ignores the signal: only the timeout ends the attempt.
              }),
          );
          const ends = new Map<string, number>();
          const countEnd = ({ job }: { job: { id: string } }) =>
            ends.set(job.id, (ends.get(job.id) ?? 0) + 1);
          reactor.on('jobCompleted', countEnd);
          reactor.on('jobFailed', countEnd);
          try {
            await reactor.start({
              maxConcurrency: cap,
              jobTimeout: TIMEOUT,
              maxRetries: MAX_RETRIES,
              retryBaseDelay: 10,
              retryMaxDelay: 40,
            });
            const submitted: Job[] = [];
            for (let index = 0; index < jobs.length; index++) {
              submitted.push(
                await reactor.submit({
                  handler: 'scripted',
                  input: { index },
                  keys: jobs[index]!.keys,
                }),
              );
            }
            const results: (JobResult | undefined)[] = submitted.map(() => undefined);
            submitted.forEach((job, index) => {
              reactor.watch(job.id).then((result) => {
                results[index] = result;
              });
            });
            // The watch settles a moment after the job's end: mark ends from the events too.
            reactor.on('jobCompleted', ({ job }) =>
              finished.add((job.input as { index: number }).index),
            );
            reactor.on('jobFailed', ({ job }) =>
              finished.add((job.input as { index: number }).index),
            );
            await runUntil(clock, () => results.every((result) => result !== undefined));

            expect(violations).toEqual([]);
            results.forEach((result, index) => {
              const expected = expectedOutcome(jobs[index]!.steps);
              expect(result).toMatchObject({
                success: expected.success,
                job: { attempts: expected.attempts },
                ...(expected.success
                  ? { output: { index, attempt: expected.attempts } }
                  : { errorCode: expected.code }),
              });
              expect(ends.get(submitted[index]!.id)).toBe(1);
            });
          } finally {
            await reactor.close();
          }
        },
      ),
      { seed: 20261203, numRuns: 60 },
    );
  });
});
