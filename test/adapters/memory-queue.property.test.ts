/**
 * Property tests of MemoryQueue against a simple reference model of lanes: random sequences of
 * enqueues (valid and invalid), claims, completions, failures (halting or not), releases, stale
 * calls, cancels, retries/skips and clock ticks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { ClaimRef } from '../../src/adapters/ports.js';
import { JobValidationError, StaleClaimError } from '../../src/errors.js';
import { type JobInput, JobStatus } from '../../src/types.js';
import { jobInput, T0 } from '../conformance/fixtures.js';

const RUNS = { seed: 42, numRuns: 200 };
const DOCS = ['d0', 'd1', 'd2'];
const SCOPES = ['a', 'b', 'c'];

// ─── Inputs ────────────────────────────────────────────────────────────────────────────────────

/** Ways to break a valid input; each must be rejected. */
const CORRUPTIONS: ((input: JobInput) => unknown)[] = [
  (input) => ({ ...input, documentId: '' }),
  (input) => ({ ...input, scopes: [] }),
  (input) => ({ ...input, scopes: [...input.scopes, input.scopes[0]] }),
  (input) => ({ ...input, actions: [{ ...input.actions[0], scope: 'elsewhere' }] }),
  (input) => ({ ...input, actions: [...input.actions, { ...input.actions[0] }] }),
  (input) => ({ ...input, actions: [] }),
  (input) => ({ ...input, actions: [{ ...input.actions[0], timestampUtcMs: 'soon' }] }),
  (input) => ({ ...input, maxRetries: -1 }),
  (input) => ({ ...input, runAt: Number.NaN }),
  (input) => ({ ...input, branch: '' }),
  (input) => ({ ...input, meta: [] }),
  (input) => ({ ...input, priority: 1 }),
];

type InputSpec = {
  doc: number;
  scopes: string[];
  branch: string;
  delay: number | undefined;
  corrupt: number | undefined;
};

/** `arbitrary` one time in five, else undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const inputSpec = (allowInvalid: boolean): fc.Arbitrary<InputSpec> =>
  fc.record({
    doc: fc.nat(DOCS.length - 1),
    scopes: fc.shuffledSubarray(SCOPES, { minLength: 1 }),
    branch: fc.constantFrom('main', 'main', 'draft'),
    delay: sometimes(fc.integer({ min: -5, max: 40 })),
    corrupt: allowInvalid ? sometimes(fc.nat(CORRUPTIONS.length - 1)) : fc.constant(undefined),
  });

function buildInput(spec: InputSpec, now: number): unknown {
  const input = jobInput(DOCS[spec.doc] as string, spec.scopes, {
    branch: spec.branch,
    ...(spec.delay === undefined ? {} : { runAt: now + spec.delay }),
  });
  return spec.corrupt === undefined
    ? input
    : (CORRUPTIONS[spec.corrupt] as (i: JobInput) => unknown)(input);
}

// ─── Commands ──────────────────────────────────────────────────────────────────────────────────

type Command =
  | { kind: 'enqueue'; spec: InputSpec }
  | { kind: 'enqueueMany'; specs: InputSpec[] }
  | { kind: 'claim'; limit: number }
  | { kind: 'finish'; pick: number; how: 'complete' | 'fail' | 'halt' | 'release' }
  | { kind: 'stale'; pick: number; how: 'complete' | 'fail' | 'release'; old: boolean }
  | { kind: 'cancel'; pick: number }
  | { kind: 'unhalt'; pick: number; how: 'retry' | 'skip' }
  | { kind: 'tick'; ms: number };

const command = (allowInvalid: boolean, withFailures: boolean): fc.Arbitrary<Command> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('enqueue' as const),
        spec: inputSpec(allowInvalid),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('enqueueMany' as const),
        specs: fc.array(inputSpec(allowInvalid), { maxLength: 5 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('claim' as const),
        limit: fc.integer({ min: 0, max: 4 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('finish' as const),
        pick: fc.nat(),
        how: withFailures
          ? fc.constantFrom(
              'complete' as const,
              'complete' as const,
              'fail' as const,
              'halt' as const,
              'release' as const,
            )
          : fc.constantFrom('complete' as const, 'complete' as const, 'release' as const),
      }),
    },
    {
      weight: withFailures ? 1 : 0,
      arbitrary: fc.record({
        kind: fc.constant('stale' as const),
        pick: fc.nat(),
        how: fc.constantFrom('complete' as const, 'fail' as const, 'release' as const),
        old: fc.boolean(),
      }),
    },
    {
      weight: withFailures ? 1 : 0,
      arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    },
    {
      weight: withFailures ? 1 : 0,
      arbitrary: fc.record({
        kind: fc.constant('unhalt' as const),
        pick: fc.nat(),
        how: fc.constantFrom('retry' as const, 'skip' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('tick' as const),
        ms: fc.integer({ min: 1, max: 30 }),
      }),
    },
  );

// ─── Reference model ───────────────────────────────────────────────────────────────────────────

type ModelJob = {
  id: string;
  seq: number;
  lanes: string[];
  runAt: number | undefined;
  status: JobStatus;
  halted: boolean;
  attempts: number;
};

/** Lanes as plain arrays of unfinished job ids; everything recomputed by scanning. */
class Model {
  now = T0;
  #seq = 0;
  readonly jobs = new Map<string, ModelJob>();
  /** Lane → ids of its jobs not yet out of the lane, in enqueue order. */
  readonly lanes = new Map<string, string[]>();
  /** Lane → ids in the order they left the lane (completed, failed, skipped). */
  readonly left = new Map<string, string[]>();
  /** Lane → ids of accepted jobs in enqueue order (cancelled ones removed). */
  readonly enqueued = new Map<string, string[]>();

  add(id: string, input: JobInput): void {
    const lanes = input.scopes.map(
      (scope) => `${input.documentId}/${scope}/${input.branch ?? 'main'}`,
    );
    this.jobs.set(id, {
      id,
      seq: this.#seq++,
      lanes,
      runAt: input.runAt,
      status: JobStatus.PENDING,
      halted: false,
      attempts: 0,
    });
    for (const lane of lanes) {
      push(this.lanes, lane, id);
      push(this.enqueued, lane, id);
    }
  }

  /** Whether `job` is the oldest unfinished job of every one of its lanes. */
  headsAll(job: ModelJob): boolean {
    return job.lanes.every((lane) => this.lanes.get(lane)?.[0] === job.id);
  }

  expectedClaim(limit: number): string[] {
    return [...this.jobs.values()]
      .filter(
        (job) =>
          job.status === JobStatus.PENDING &&
          (job.runAt === undefined || job.runAt <= this.now) &&
          this.headsAll(job),
      )
      .sort((a, b) => a.seq - b.seq)
      .slice(0, Math.max(0, limit))
      .map((job) => job.id);
  }

  leave(job: ModelJob): void {
    for (const lane of job.lanes) {
      const ids = this.lanes.get(lane) as string[];
      expect(ids[0]).toBe(job.id); // only a lane head ever leaves by finishing
      ids.shift();
      push(this.left, lane, job.id);
    }
  }

  cancel(job: ModelJob): void {
    for (const lane of job.lanes) {
      remove(this.lanes.get(lane) as string[], job.id);
      remove(this.enqueued.get(lane) as string[], job.id);
    }
    this.jobs.delete(job.id);
  }

  counts() {
    const counts = { pending: 0, running: 0, completed: 0, failed: 0 };
    for (const job of this.jobs.values()) {
      if (job.status === JobStatus.PENDING) counts.pending++;
      else if (job.status === JobStatus.RUNNING) counts.running++;
      else if (job.status === JobStatus.COMPLETED) counts.completed++;
      else counts.failed++;
    }
    return counts;
  }

  blockedLaneCount(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.halted) n += job.lanes.length;
    return n;
  }
}

function push(map: Map<string, string[]>, key: string, id: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [id]);
  else list.push(id);
}

function remove(list: string[], id: string): void {
  const at = list.indexOf(id);
  if (at !== -1) list.splice(at, 1);
}

// ─── Runner ────────────────────────────────────────────────────────────────────────────────────

type Held = { ref: ClaimRef; lanes: string[] };

type RunResult = {
  model: Model;
  queue: MemoryQueue;
  clock: SimulatedClock;
  held: Held[];
  /** Ids in the order `complete` succeeded. */
  completed: string[];
};

async function run(commands: Command[]): Promise<RunResult> {
  const clock = new SimulatedClock();
  clock.set(T0);
  let counter = 0;
  const queue = new MemoryQueue({ clock, idFactory: () => `job-${++counter}` });
  const model = new Model();
  const held: Held[] = [];
  const oldRefs: ClaimRef[] = [];
  // How each ended claim ended, by token, while ending it again the same way is a no-op success
  // (until its job is claimed again, retried or cancelled: see IQueue).
  const endedBy = new Map<string, { jobId: string; how: 'complete' | 'fail' | 'release' }>();
  const forgetEnds = (jobId: string) => {
    for (const [token, end] of endedBy) if (end.jobId === jobId) endedBy.delete(token);
  };
  const completed: string[] = [];

  const expectRejected = async (attempt: Promise<unknown>): Promise<void> => {
    const before = await queue.counts();
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field.length).toBeGreaterThan(0);
    expect(await queue.counts()).toEqual(before);
  };

  for (const cmd of commands) {
    switch (cmd.kind) {
      case 'enqueue': {
        const input = buildInput(cmd.spec, model.now);
        if (cmd.spec.corrupt !== undefined) {
          await expectRejected(queue.enqueue(input as JobInput));
        } else {
          model.add((await queue.enqueue(input as JobInput)).id, input as JobInput);
        }
        break;
      }
      case 'enqueueMany': {
        const inputs = cmd.specs.map((spec) => buildInput(spec, model.now)) as JobInput[];
        if (cmd.specs.some((spec) => spec.corrupt !== undefined)) {
          await expectRejected(queue.enqueueMany(inputs));
        } else {
          const jobs = await queue.enqueueMany(inputs);
          for (const [i, job] of jobs.entries()) model.add(job.id, inputs[i] as JobInput);
        }
        break;
      }
      case 'claim': {
        const expected = model.expectedClaim(cmd.limit);
        const claims = await queue.claim('runner', cmd.limit);
        expect(claims.map((c) => c.job.id)).toEqual(expected);
        for (const claim of claims) {
          const job = model.jobs.get(claim.job.id) as ModelJob;
          // The oldest unfinished job of each of its lanes.
          for (const lane of job.lanes) expect(model.lanes.get(lane)?.[0]).toBe(job.id);
          forgetEnds(job.id);
          job.status = JobStatus.RUNNING;
          job.attempts += 1;
          expect(claim.job.attempts).toBe(job.attempts);
          expect(claim.job.status).toBe(JobStatus.RUNNING);
          held.push({ ref: { jobId: claim.job.id, token: claim.token }, lanes: job.lanes });
        }
        break;
      }
      case 'finish': {
        if (held.length === 0) break;
        const [claim] = held.splice(cmd.pick % held.length, 1) as [Held];
        const job = model.jobs.get(claim.ref.jobId) as ModelJob;
        const attempts = job.attempts;
        if (cmd.how === 'complete') {
          await queue.complete(claim.ref, attempts);
          completed.push(job.id);
          job.status = JobStatus.COMPLETED;
          model.leave(job);
        } else if (cmd.how === 'release') {
          job.attempts = Math.max(0, attempts - 1); // an aborted attempt is not counted
          await queue.release(claim.ref, job.attempts);
          job.status = JobStatus.PENDING;
        } else {
          const halt = cmd.how === 'halt';
          await queue.fail(claim.ref, { attempts, errorCode: 90005, errorMessage: 'x', halt });
          job.status = JobStatus.FAILED;
          job.halted = halt;
          if (!halt) model.leave(job);
        }
        oldRefs.push(claim.ref);
        endedBy.set(claim.ref.token, {
          jobId: job.id,
          how: cmd.how === 'complete' || cmd.how === 'release' ? cmd.how : 'fail',
        });
        break;
      }
      case 'stale': {
        let ref: ClaimRef;
        if (cmd.old && oldRefs.length > 0) ref = oldRefs[cmd.pick % oldRefs.length] as ClaimRef;
        else if (held.length > 0) {
          const live = (held[cmd.pick % held.length] as Held).ref;
          ref = { jobId: live.jobId, token: `${live.token}-forged` };
        } else ref = { jobId: 'no-such-job', token: 'runner:0' };
        const before = [await queue.counts(), await queue.get(ref.jobId)];
        const call =
          cmd.how === 'complete'
            ? queue.complete(ref, 1)
            : cmd.how === 'release'
              ? queue.release(ref, 1)
              : queue.fail(ref, { attempts: 1, errorCode: 1, errorMessage: 'stale', halt: true });
        if (endedBy.get(ref.token)?.how === cmd.how)
          await call; // a repeated end: no-op
        else await expect(call).rejects.toBeInstanceOf(StaleClaimError);
        expect([await queue.counts(), await queue.get(ref.jobId)]).toEqual(before);
        break;
      }
      case 'cancel': {
        const all = [...model.jobs.values()];
        if (all.length === 0) break;
        const job = all[cmd.pick % all.length] as ModelJob;
        const expected = job.status === JobStatus.PENDING;
        expect(await queue.cancel(job.id)).toBe(expected);
        if (expected) {
          model.cancel(job);
          forgetEnds(job.id); // the job is gone, and with it how its claims ended
          expect(await queue.get(job.id)).toBeUndefined();
        }
        break;
      }
      case 'unhalt': {
        const halted = [...model.jobs.values()].filter((job) => job.halted);
        if (halted.length === 0) {
          await expect(queue.retry('job-0')).rejects.toBeInstanceOf(JobValidationError);
          break;
        }
        const job = halted[cmd.pick % halted.length] as ModelJob;
        job.halted = false;
        if (cmd.how === 'retry') {
          await queue.retry(job.id);
          forgetEnds(job.id);
          job.status = JobStatus.PENDING;
          job.attempts = 0;
        } else {
          await queue.skip(job.id);
          model.leave(job);
        }
        break;
      }
      case 'tick':
        clock.increment(cmd.ms);
        model.now += cmd.ms;
        break;
    }

    // Invariants after every step.
    const counts = await queue.counts();
    expect(counts).toEqual(model.counts());
    expect(counts.pending + counts.running + counts.completed + counts.failed).toBe(
      model.jobs.size,
    );
    expect(await queue.backlog()).toBe(counts.pending);
    const busy = held.flatMap((h) => h.lanes);
    expect(new Set(busy).size).toBe(busy.length); // no two running jobs share a lane
    expect((await queue.blockedLanes()).length).toBe(model.blockedLaneCount());
  }
  return { model, queue, clock, held, completed };
}

/** Completes the held claims, then claims and completes everything, moving the clock to each runAt. */
async function drain({ queue, clock, held, completed }: RunResult): Promise<void> {
  for (const claim of held.splice(0)) {
    await queue.complete(claim.ref, 1);
    completed.push(claim.ref.jobId);
  }
  for (;;) {
    const claims = await queue.claim('drain', Number.POSITIVE_INFINITY);
    if (claims.length === 0) {
      const next = await queue.nextRunAt();
      if (next === undefined) return;
      clock.set(next);
      continue;
    }
    for (const claim of claims) {
      await queue.complete({ jobId: claim.job.id, token: claim.token }, claim.job.attempts);
      completed.push(claim.job.id);
    }
  }
}

describe('MemoryQueue (property)', () => {
  it('matches the reference model of lanes under random operations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command(true, true), { minLength: 10, maxLength: 80, size: 'max' }),
        async (commands) => {
          const { model, queue } = await run(commands);
          for (const job of model.jobs.values()) {
            expect(await queue.get(job.id)).toMatchObject({
              status: job.status,
              attempts: job.attempts,
            });
          }
          // Jobs left their lanes in enqueue order (a prefix of each lane's accepted jobs).
          for (const [lane, left] of model.left) {
            expect(left).toEqual(model.enqueued.get(lane)?.slice(0, left.length));
          }
        },
      ),
      RUNS,
    );
  });

  it('completes every job exactly once, in enqueue order per lane, when everything completes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command(false, false), { minLength: 10, maxLength: 80, size: 'max' }),
        async (commands) => {
          const result = await run(commands);
          await drain(result);
          const { model, queue, completed } = result;
          expect([...completed].sort()).toEqual([...model.jobs.keys()].sort());
          expect(new Set(completed).size).toBe(completed.length);
          const byLane = new Map<string, string[]>();
          for (const id of completed) {
            for (const lane of (model.jobs.get(id) as ModelJob).lanes) push(byLane, lane, id);
          }
          expect(byLane).toEqual(model.enqueued);
          expect(await queue.counts()).toEqual({
            pending: 0,
            running: 0,
            completed: model.jobs.size,
            failed: 0,
          });
        },
      ),
      RUNS,
    );
  });
});
