/**
 * The lane guarantee with sleeping heads, as a property through the public face (README: Handler
 * jobs, "Stateful handlers"): whatever the keys, waits, throws and concurrency cap, a job asleep
 * after `ctx.wait` is never overtaken on any of its keys (a later job of one of its keys starts
 * only once every earlier job of its keys finished for good), no two calls of jobs sharing a key
 * overlap, every call resumes from the checkpoint its predecessor saved, and every job ends once,
 * as its script says. Seeded, on a simulated clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReactor, type Job, type JobResult } from '../../src/index.js';
import { runUntil, SimulatedClock } from '../support/clock.js';

const KEYS = ['a', 'b', 'c'];
const MAX_RETRIES = 2;

/** One call of a job: it works `after` ms, then waits `sleep` ms (or returns, on the last). */
type Segment = { after: number; sleep: number; throwsFirst: boolean };

const segmentArb: fc.Arbitrary<Segment> = fc.record({
  after: fc.integer({ min: 0, max: 30 }),
  sleep: fc.integer({ min: 0, max: 200 }),
  throwsFirst: fc.boolean(),
});

const jobArb = fc.record({
  keys: fc
    .subarray(KEYS, { minLength: 0, maxLength: 3 })
    .chain((keys) => fc.shuffledSubarray(keys, { minLength: keys.length })),
  segments: fc.array(segmentArb, { minLength: 1, maxLength: 4 }),
});

describe('stateful handler ordering (property)', () => {
  it('never lets a later job of any of its keys overtake a sleeping job', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobArb, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 5 }),
        async (jobs, cap) => {
          const clock = new SimulatedClock();
          clock.set(Date.UTC(2026, 0, 1));
          const reactor = await createReactor({ models: [], clock, random: () => 0.5 });
          const holders = new Map<string, number>();
          const finished = new Set<number>();
          const started = new Set<number>();
          const violations: string[] = [];
          reactor.registerHandler('script', async (input: { index: number }, ctx) => {
            const { index } = input;
            const job = jobs[index]!;
            const segment = (await ctx.checkpoint.load<number>()) ?? 0;
            for (const key of job.keys) {
              const holder = holders.get(key);
              if (holder !== undefined)
                violations.push(`job ${index} overlaps ${holder} on ${key}`);
              holders.set(key, index);
            }
            if (!started.has(index)) {
              started.add(index);
              for (let earlier = 0; earlier < index; earlier++) {
                const shared = jobs[earlier]!.keys.some((key) => job.keys.includes(key));
                if (shared && !finished.has(earlier)) {
                  violations.push(`job ${index} started before job ${earlier} finished`);
                }
              }
            }
            const leave = () => {
              for (const key of job.keys) if (holders.get(key) === index) holders.delete(key);
            };
            try {
              const step = job.segments[segment]!;
              await new Promise<void>((resolve) => clock.setTimeout(resolve, step.after));
              if (step.throwsFirst && ctx.attempt === 1) throw new Error('transient');
              if (segment + 1 < job.segments.length) {
                await ctx.checkpoint.save(segment + 1);
                return ctx.wait({ delay: step.sleep, reason: `segment ${segment + 1}` });
              }
              return { index, segments: segment + 1 };
            } finally {
              leave();
            }
          });
          const ends = new Map<string, number>();
          const countEnd = ({ job }: { job: Job }) => {
            ends.set(job.id, (ends.get(job.id) ?? 0) + 1);
            finished.add((job.input as { index: number }).index);
          };
          reactor.on('jobCompleted', countEnd);
          reactor.on('jobFailed', countEnd);
          let waits = 0;
          reactor.on('jobWaiting', () => {
            waits += 1;
          });
          try {
            await reactor.start({
              maxConcurrency: cap,
              jobTimeout: 1_000,
              maxRetries: MAX_RETRIES,
              retryBaseDelay: 10,
              retryMaxDelay: 40,
            });
            const submitted: Job[] = [];
            for (let index = 0; index < jobs.length; index++) {
              submitted.push(
                await reactor.submit({
                  handler: 'script',
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
            await runUntil(clock, () => results.every((result) => result !== undefined));

            expect(violations).toEqual([]);
            const expectedWaits = jobs.reduce((n, job) => n + job.segments.length - 1, 0);
            expect(waits).toBe(expectedWaits);
            results.forEach((result, index) => {
              const { segments } = jobs[index]!;
              expect(result).toMatchObject({
                success: true,
                output: { index, segments: segments.length },
                job: { attempts: segments.at(-1)!.throwsFirst ? 2 : 1 },
              });
              expect(ends.get(submitted[index]!.id)).toBe(1);
            });
          } finally {
            await reactor.close();
          }
        },
      ),
      { seed: 20261204, numRuns: 60 },
    );
  });
});
