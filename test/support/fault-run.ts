/**
 * One run of the fault-injection suite on any adapter: the crash workload (counter jobs over three
 * lanes per document, some built to fail) enqueued up front, then a reactor on the injected clock
 * over a storage whose queue and store fail and delay calls at random (test/support/port-faults.ts).
 * The clock is stepped only when no adapter call is in flight, so no timer fires because a query
 * was slow, only because the work waits for it (backoff, delays, timeouts, heartbeats, reaps).
 * With `stops`, the reactor is stopped (graceful and hard in turn) and started again during the
 * run, so jobs in hand go back to the queue mid-retry and are claimed again.
 *
 * Then the audit through the undecorated ports: how each job had to end given its attempts (a job
 * may fail after its retries, with the last attempt's transient code, and must then have written
 * nothing), the outcome the events reported against the one stored, and every lane against the
 * jobs' actions in enqueue order and a replay with the reducer.
 */

import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import type { IEventBus, Storage, StorageContext } from '../../src/adapters/ports.js';
import { createReactor } from '../../src/create-reactor.js';
import { ModelRegistry } from '../../src/document/document-model.js';
import { errorCodeName, isRetryableCode } from '../../src/errors.js';
import { ExecutorEventNames } from '../../src/events.js';
import { counterModel, todoModel } from '../../src/examples/index.js';
import type { ExecutorOptions } from '../../src/options.js';
import { JobStatus } from '../../src/types.js';
import { flush, nextDue, SimulatedClock, seededRandom } from './clock.js';
import { auditLanes, formatAudit, type LaneAudit } from './lane-audit.js';
import { type CrashJob, crashWorkload } from './multiprocess-workload.js';
import {
  type FaultCounts,
  type FaultPlan,
  type FaultyStorage,
  injectFaults,
} from './port-faults.js';

export type FaultRunOptions = {
  /** Opens the undecorated storage (the run closes it). */
  open(ctx: StorageContext): Storage | Promise<Storage>;
  seed: number;
  documents: number;
  jobsPerDocument: number;
  /** Retries of the counter jobs (creates get many, so a document always exists). */
  maxRetries: number;
  plan: Omit<FaultPlan, 'seed'>;
  config: ExecutorOptions;
  /**
   * Stops of the reactor during the run, each followed by a start, at even shares of the jobs
   * reported (graceful and hard in turn): jobs in hand go back to the queue, some of them with a
   * write whose outcome is unknown, and are claimed again (README: Semantics, "Retries").
   */
  stops?: number;
};

export type FaultRunReport = {
  audit: LaneAudit;
  faults: FaultCounts;
  completed: number;
  /** Failed after their retries, with the last attempt's transient code. */
  exhausted: number;
  /** Failed with a non-retryable code (the jobs built to fail). */
  rejected: number;
  /** Jobs whose last reported outcome (event) differs from the stored one, or was never reported. */
  misreported: string[];
  /** Jobs that reported an outcome more than once (a claim end lost, the job reaped and re-run). */
  reportedTwice: number;
  /** `onError` calls (claim ends given up, background failures), by message prefix. */
  errors: number;
  steps: number;
  /** Stops (each followed by a start) made during the run. */
  stops: number;
  /** Jobs started on a claim flagged `outcomeUnknown` (released by a stop, claimed again). */
  flaggedStarts: number;
};

const CREATE_RETRIES = 1_000;
const MAX_STEPS = 2_000_000;
/** How often (in clock steps) the queue is asked whether the run is over, besides the events. */
const COUNT_EVERY = 500;

export async function runFaultWorkload(options: FaultRunOptions): Promise<FaultRunReport> {
  const clock = new SimulatedClock();
  clock.set(1_700_000_000_000);
  const bus: IEventBus = new MemoryEventBus();
  const raw = await options.open({ bus, clock, runnerId: 'faults' });
  const faulty = injectFaults(raw, clock, { seed: options.seed, ...options.plan });
  const jobs = crashWorkload(options.documents, options.jobsPerDocument, {
    maxRetries: options.maxRetries,
  }).map((job): CrashJob => {
    const create = job.input.actions[0]?.type === 'CREATE_DOCUMENT';
    return create ? { ...job, input: { ...job.input, maxRetries: CREATE_RETRIES } } : job;
  });

  // The last outcome reported for each job, and how many were.
  const reported = new Map<string, { outcome: 'COMPLETED' | 'FAILED'; times: number }>();
  const report = (outcome: 'COMPLETED' | 'FAILED') => (payload: unknown) => {
    const id = (payload as { job?: { id?: string } }).job?.id;
    if (id === undefined) return;
    const seen = reported.get(id);
    reported.set(id, { outcome, times: (seen?.times ?? 0) + 1 });
  };
  bus.subscribe(ExecutorEventNames.jobCompleted, report('COMPLETED'));
  bus.subscribe(ExecutorEventNames.jobFailed, report('FAILED'));
  const flagged = new Set<string>();
  bus.subscribe(ExecutorEventNames.jobStarted, (payload) => {
    const job = (payload as { job?: { id?: string; outcomeUnknown?: boolean } }).job;
    if (job?.outcomeUnknown === true && job.id !== undefined) flagged.add(job.id);
  });

  let errors = 0;
  const reactor = await createReactor({
    models: [counterModel, todoModel],
    storage: faulty.storage,
    clock,
    bus,
    random: seededRandom(options.seed + 1),
    runnerId: 'faults',
    config: options.config,
    onError: () => {
      errors += 1;
    },
  });
  let steps = 0;
  try {
    // Enqueued through the undecorated queue: the faults are the executor's, not the producer's.
    for (let i = 0; i < jobs.length; i += 500) {
      await raw.queue.enqueueMany(jobs.slice(i, i + 500).map((job) => job.input));
    }
    await reactor.start();

    const over = async () => {
      const { pending, running } = await raw.queue.counts();
      return pending + running === 0;
    };
    let stopsMade = 0;
    const stops = options.stops ?? 0;
    for (let stop = 1; stop <= stops; stop++) {
      const share = Math.floor((jobs.length * stop) / (stops + 1));
      let ended = false;
      steps += await drive(clock, faulty, async (step) => {
        if (reported.size >= share) return true;
        if (step % COUNT_EVERY === 0) ended = await over();
        return ended;
      });
      if (ended) break;
      steps += await stopOnClock(clock, faulty, () => reactor.stop({ graceful: stop % 2 === 1 }));
      await reactor.start();
      stopsMade += 1;
    }
    steps += await drive(clock, faulty, async (step) =>
      reported.size >= jobs.length || step % COUNT_EVERY === 0 ? over() : false,
    );
    // Stopped on the same clock: a late call of a timed-out attempt may still wait on a delay, and
    // must land (or fail) before the audit reads the store.
    steps += await stopOnClock(clock, faulty, () => reactor.stop());

    const audit = await auditLanes(
      raw.queue,
      raw.store,
      await expectedOutcomes(raw, jobs),
      new ModelRegistry([counterModel, todoModel]),
    );
    let completed = 0;
    let exhausted = 0;
    let rejected = 0;
    let reportedTwice = 0;
    const misreported: string[] = [];
    for (const { input } of jobs) {
      const job = await raw.queue.get(input.id);
      const status = job?.status;
      if (status === JobStatus.COMPLETED) completed += 1;
      else if (status === JobStatus.FAILED) {
        if (isRetryableCode(job?.lastError?.code ?? 0)) exhausted += 1;
        else rejected += 1;
      }
      const seen = reported.get(input.id);
      if ((seen?.times ?? 0) > 1) reportedTwice += 1;
      if (seen?.outcome !== status) {
        misreported.push(`${input.id}: reported ${seen?.outcome ?? 'nothing'}, stored ${status}`);
      }
    }
    return {
      audit,
      faults: faulty.counts,
      completed,
      exhausted,
      rejected,
      misreported,
      reportedTwice,
      errors,
      steps,
      stops: stopsMade,
      flaggedStarts: flagged.size,
    };
  } finally {
    await reactor.close();
  }
}

/** Stops the reactor while stepping the clock, until it stopped and no adapter call is in flight. */
async function stopOnClock(
  clock: SimulatedClock,
  faulty: FaultyStorage,
  stop: () => Promise<void>,
): Promise<number> {
  let stopped = false;
  void stop().then(() => {
    stopped = true;
  });
  return drive(clock, faulty, async () => stopped && faulty.idle());
}

/**
 * Steps the clock, one timer at a time, whenever no adapter call is in flight, until `done(step)`
 * holds; returns the steps taken.
 */
async function drive(
  clock: SimulatedClock,
  faulty: FaultyStorage,
  done: (step: number) => Promise<boolean>,
): Promise<number> {
  for (let step = 0; step < MAX_STEPS; step++) {
    await flush();
    await faulty.settled();
    await flush();
    if (await done(step)) return step;
    const due = nextDue(clock);
    if (due === undefined) {
      if (await done(0)) return step;
      throw new Error('fault run: no timer pending and the run is not over');
    }
    clock.set(Math.max(due, clock.now()));
  }
  throw new Error(`fault run: not over after ${MAX_STEPS} clock steps`);
}

/**
 * The crash workload's expectations, where a job may also have failed after its retries: then it
 * must have failed with the transient code of its last attempt and written nothing (the audit
 * counts its stored operations as unexpected).
 */
async function expectedOutcomes(raw: Storage, jobs: readonly CrashJob[]): Promise<CrashJob[]> {
  const expected: CrashJob[] = [];
  for (const job of jobs) {
    const stored = await raw.queue.get(job.input.id);
    const code = stored?.lastError?.code ?? 0;
    const retries = job.input.maxRetries ?? 0;
    const exhausted =
      stored?.status === JobStatus.FAILED &&
      isRetryableCode(code) &&
      (stored.attempts ?? 0) > retries;
    expected.push(exhausted ? { ...job, expect: errorCodeName(code) } : job);
  }
  return expected;
}

/** One line for the test log: the faults injected, the outcomes, the audit. */
export function formatFaultRun(name: string, seed: number, r: FaultRunReport): string {
  const f = r.faults;
  return (
    `[faults ${name}] seed ${seed} (SERIATIM_FAULT_SEED): ${f.calls} port calls, ` +
    `${f.failedBefore} failed before and ${f.failedAfter} after their effect, ${f.delayed} delayed ` +
    `(${f.delayedLong} past the job timeout); completed ${r.completed}, failed ${r.exhausted} after ` +
    `their retries and ${r.rejected} non-retryable; misreported ${r.misreported.length}, ` +
    `reported twice ${r.reportedTwice}, onError ${r.errors}; ${r.stops} stops, ` +
    `${r.flaggedStarts} jobs started flagged outcomeUnknown; ${formatAudit(r.audit)}`
  );
}
