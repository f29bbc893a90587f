/**
 * `LaneDispatcher`: the path of a job through the runtime, in the order it happens (README:
 * Semantics, "Execution of one job"; How it is built).
 *
 *   1. claim     the supervisor asks for `jobs.claim`; the queue answers; `claim.done`.
 *   2. dispatch  each claim (holding a concurrency slot) goes to its lane actor as `job.assign`,
 *                once the lane is free and the outcome of its previous job is out.
 *   3. lane      the lane machine runs the job's lifecycle and emits what happened.
 *   4. attempt   on entry to `running`, the executor runs (`AttemptRunner`); its outcome goes
 *                back to the lane as `attempt.done` / `attempt.failed`.
 *   5. outcome   `job.completed` / `job.failed` / `job.released`: written to the queue, published
 *                (`JobOutcomes`), in that order.
 *   6. next      the slot runs the lane's next job at once (`claimLane`, lane batching), or goes
 *                back to the supervisor in a batched `slots.released`, and the supervisor claims.
 *
 * The machines decide; this module carries out what they emit and reports back. The manager
 * (`JobExecutorManager`) is the public face over it.
 * @module
 */

import { type Actor, assign, createActor, type InspectionEvent, type Observer } from 'xstate';
import type { Claim, IEventBus, IQueue } from '../adapters/ports.js';
import type { Clock } from '../clock.js';
import { JobError, type JobErrorCode, JobErrorCodes, toJobError } from '../errors.js';
import { JobExecutorEventTypes, QueueEventTypes } from '../events.js';
import { HANDLER_DOCUMENT_ID, SOLO_BRANCH } from '../handlers/handler-lanes.js';
import { laneKey } from '../lane-key.js';
import { attemptTiming, backoffTiming } from '../machines/job-lifecycle.js';
import { laneMachine } from '../machines/lane-machine.js';
import type {
  JobRunConfig,
  LaneAbortCommand,
  LaneEmitted,
  LaneEvent,
  LaneReleaseCommand,
  NextJob,
  SupervisorEmitted,
} from '../machines/protocol.js';
import { supervisorMachine } from '../machines/supervisor-machine.js';
import { MAX_DELAY, type ResolvedExecutorOptions } from '../options.js';
import type { IJobExecutor, Job } from '../types.js';
import { AttemptRunner, type AttemptSuccess } from './attempt-runner.js';
import { ClaimRequests } from './claim-requests.js';
import type { ExecutionStats } from './execution-stats.js';
import { JobOutcomes, type LaneFailurePolicy, type Publish } from './job-outcomes.js';
import type { JobResults } from './job-results.js';
import { type LaneActor, LaneRegistry } from './lane-registry.js';

/** Retry delay after a failed claim (queue unreachable), before trying again. */
const CLAIM_RETRY_DELAY = 1_000;

export type LaneDispatcherOptions = {
  queue: IQueue;
  executor: IJobExecutor;
  bus: IEventBus;
  publish: Publish;
  stats: ExecutionStats;
  results: JobResults;
  policy: LaneFailurePolicy;
  options: ResolvedExecutorOptions;
  clock: Clock;
  random: () => number;
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  runnerId: string;
  /** Fatal path: pull missing history for a job's lanes before re-applying it once. */
  resync?: (job: Job) => Promise<unknown>;
  onError(error: unknown): void;
};

export class LaneDispatcher {
  readonly supervisor: Actor<typeof supervisorMachine>;
  readonly lanes: LaneRegistry;
  private readonly attempts: AttemptRunner;
  private readonly claims: ClaimRequests;
  private readonly queue: IQueue;
  private readonly clock: Clock;
  private readonly outcomes: JobOutcomes;
  private readonly publish: Publish;
  private readonly onError: (error: unknown) => void;
  private options: ResolvedExecutorOptions;
  /** The run config of every job that does not set its own `maxRetries` (lanes never mutate it). */
  private sharedConfig: JobRunConfig;
  private readonly syncEnabled: boolean;

  /** Jobs running as the 2nd, 3rd, … job of a lane on one slot (lane batching), by job id. */
  private readonly runLengths = new Map<string, number>();
  /**
   * Lanes whose last job's outcome is still being written and published, with the work waiting
   * for each: a claim touching such a lane waits until that outcome is out, so a lane's
   * `jobCompleted` / `jobFailed` always comes before its next `jobStarted`, even when the queue
   * shows the lane free before the acknowledgement of our write arrives.
   */
  private readonly finishingLanes = new Map<string, (() => void)[] | undefined>();
  /** The claim being handed to its lane actor (and that lane), should that actor fail on it. */
  private dispatching: { claim: Claim; laneKey: string } | undefined;
  private unsubscribeAvailable: (() => void) | undefined;

  constructor(private readonly deps: LaneDispatcherOptions) {
    this.queue = deps.queue;
    this.clock = deps.clock;
    this.outcomes = new JobOutcomes({
      queue: deps.queue,
      clock: deps.clock,
      stats: deps.stats,
      results: deps.results,
      publish: deps.publish,
      policy: deps.policy,
      onError: deps.onError,
      stopping: () => !this.supervisor.getSnapshot().hasTag('active'),
    });
    this.publish = deps.publish;
    this.onError = deps.onError;
    this.options = deps.options;
    this.syncEnabled = deps.resync !== undefined;
    this.sharedConfig = this.runConfig(undefined);
    this.attempts = new AttemptRunner(deps.executor, (success) => this.succeeded(success));
    this.claims = new ClaimRequests(deps.queue, deps.runnerId);

    const { clock, random, resync } = deps;
    const machine = laneMachine.provide({
      actions: {
        beginAttempt: assign(({ context }) => attemptTiming(context, clock.now())),
        chooseBackoff: assign(({ context }) => backoffTiming(context, clock.now(), random)),
        // Not an invoked `fromPromise` actor: an invoked child per attempt (created, started,
        // its done event routed back) measured +30-40 µs/job on P1. The attempt is a plain
        // promise whose outcome comes back as `attempt.done` / `attempt.failed`, tagged with the
        // attempt's token so a late answer of an older attempt is ignored (`isCurrentAttempt`).
        runAttempt: ({ context, self }) => this.attempts.run(context, self),
        abortAttempt: ({ context }, params) => this.attempts.abort(context.laneKey, params.code),
        runSync: ({ context, self }) => {
          if (resync) runSync(resync, context.job!, self);
        },
      },
    });
    this.lanes = new LaneRegistry({
      machine,
      clock,
      inspect: deps.inspect,
      idleTimeout: this.options.laneIdleTimeout,
      maxResidentIdle: this.options.maxResidentLanes,
      onEmitted: (event) => this.onLaneEvent(event),
      onError: (error, key) => this.onLaneError(error, key),
    });

    this.supervisor = createActor(supervisorMachine, { clock, inspect: deps.inspect });
    this.supervisor.subscribe({ error: (error) => this.onError(error) });
    this.supervisor.on('*', (event) => this.onSupervisorEvent(event));
    this.supervisor.start();
  }

  /** Starts claiming with `options` (the manager checked that the supervisor is stopped). */
  start(options: ResolvedExecutorOptions): void {
    this.options = options;
    this.sharedConfig = this.runConfig(undefined);
    this.lanes.configure(options.laneIdleTimeout, options.maxResidentLanes);
    this.unsubscribeAvailable = this.deps.bus.subscribe(QueueEventTypes.JOB_AVAILABLE, () =>
      this.jobsAvailable(),
    );
    this.supervisor.send({ type: 'start', capacity: options.maxConcurrency });
  }

  /**
   * Whether this process still holds the job: its lane runs it (an append that completes the
   * claim shows the job finished before the attempt returns) or its end is being written.
   */
  holds(job: Job): boolean {
    if (this.outcomes.isEnding(job.id)) return true;
    const lane = this.lanes.get(laneKey(job.documentId, job.scopes[0]!, job.branch));
    return lane?.getSnapshot().context.job?.id === job.id;
  }

  /** ISO string of `ms` (the last one is reused). */
  iso(ms: number): string {
    return this.outcomes.iso(ms);
  }

  /** Stops every actor and timer; the claim ends waiting to be written again are dropped. */
  dispose(): void {
    this.outcomes.dispose();
    this.unsubscribeAvailable?.();
    this.cancelWake();
    this.lanes.stopAll();
    this.supervisor.stop();
  }

  // ─── 1. Claim ────────────────────────────────────────────────────────────────────────────────

  private onSupervisorEvent(event: SupervisorEmitted): void {
    switch (event.type) {
      case 'jobs.claim':
        this.claim(event.limit);
        break;
      case 'claims.dispatch':
        for (const claim of event.claims) this.dispatch(claim, 1);
        break;
      case 'claims.return':
        // Not counted as used slots: only the jobs settle.
        for (const claim of event.claims) this.returnUnstarted(claim, 0);
        break;
      case 'slot.granted': {
        const lane = this.lanes.get(event.laneKey);
        if (lane?.getSnapshot().hasTag('awaitingSlot')) lane.send(event);
        else this.release(1, 0); // the lane failed meanwhile: the slot goes back
        break;
      }
      case 'lane.release':
      case 'lane.abort':
        this.releaseLanes(event);
        break;
      case 'claim.retry':
        this.wakeAt(this.clock.now() + CLAIM_RETRY_DELAY);
        break;
      case 'executor.stopped':
        this.onStopped(event.graceful);
        break;
      case 'executor.started':
        break;
    }
  }

  private claim(limit: number): void {
    promiseOf(() => this.claims.claim(limit, (surplus) => this.releaseSurplus(surplus))).then(
      (claims) => {
        this.supervisor.send({ type: 'claim.done', claims });
        if (this.claims.unanswered) this.wakeAt(this.clock.now());
        else if (claims.length < limit) this.wakeForDelayed();
      },
      (error: unknown) => {
        this.onError(error);
        this.supervisor.send({ type: 'claim.failed', error });
      },
    );
  }

  /** Reclaimed claims beyond the free slots (see `ClaimRequests`): back to pending, unstarted. */
  private releaseSurplus(claims: Claim[]): void {
    for (const { job, token } of claims) {
      this.outcomes.released({ jobId: job.id, token }, job.attempts - 1).catch(this.onError);
    }
  }

  // ─── 2. Dispatch ─────────────────────────────────────────────────────────────────────────────

  /**
   * Hands a claim holding a concurrency slot to its lane actor. `run` counts the jobs this slot has
   * run back to back for the lane (lane batching), this one included.
   */
  private dispatch(claim: Claim, run: number): void {
    const { job } = claim;
    const waiting = this.finishingLanes.size > 0 ? this.waitingFor(job) : undefined;
    if (waiting !== undefined) {
      waiting.push(() => this.dispatchIfRunning(claim, run));
      return;
    }
    const key = laneKey(job.documentId, job.scopes[0]!, job.branch);
    const lane = this.lanes.acquire(key);
    if (!lane.getSnapshot().hasTag('idle')) {
      // The end of a claim is folded into its append: the queue may hand out the lane's next job
      // as soon as that append commits, while this lane still takes in its attempt's answer. The
      // claim waits for the lane, holding its slot (then `dispatch` again: the lane's outcome may
      // still be being written, see `finishingLanes`).
      whenIdle(lane, () => this.dispatchIfRunning(claim, run));
      return;
    }
    if (run > 1) this.runLengths.set(job.id, run);
    this.dispatching = { claim, laneKey: key };
    lane.send({ type: 'job.assign', claim, config: this.configFor(job) });
    this.dispatching = undefined;
  }

  /** A claim that waited goes on, or back to the queue when the executor paused or stops. */
  private dispatchIfRunning(claim: Claim, run: number): void {
    if (this.supervisor.getSnapshot().hasTag('startsAttempts')) this.dispatch(claim, run);
    else this.returnUnstarted(claim, 1);
  }

  /** The job's run settings: shared by every job that does not set its own `maxRetries`. */
  private configFor(job: Job): JobRunConfig {
    return job.maxRetries === undefined ? this.sharedConfig : this.runConfig(job.maxRetries);
  }

  private runConfig(maxRetries: number | undefined): JobRunConfig {
    const { options } = this;
    return Object.freeze({
      jobTimeout: options.jobTimeout,
      retryBaseDelay: options.retryBaseDelay,
      retryMaxDelay: options.retryMaxDelay,
      maxRetries: maxRetries ?? options.maxRetries,
      syncEnabled: this.syncEnabled,
    });
  }

  // ─── 3. Lane (4. the attempt runs from its `runAttempt` action) ──────────────────────────────

  private onLaneEvent(event: LaneEmitted): void {
    switch (event.type) {
      case 'job.started':
        // Nobody hears it (the bus can tell): no payload, no ISO string (README: Performance).
        if (!this.heard(JobExecutorEventTypes.JOB_STARTED)) break;
        this.publish(JobExecutorEventTypes.JOB_STARTED, {
          job: event.job,
          startedAt: this.iso(event.startedAt),
          attempt: event.attempt,
        });
        break;
      case 'retry.scheduled':
        this.runLengths.delete(event.job.id); // the slot goes back; the retry gets a fresh one
        this.publish(JobExecutorEventTypes.JOB_RETRY, {
          job: event.job,
          error: event.error,
          retryCount: event.retryCount,
          delay: event.delay,
        });
        this.release(1, 0);
        break;
      case 'slot.request':
        this.supervisor.send(event);
        break;
      case 'job.completed':
        break; // written and published before the lane heard of it (`succeeded`)
      case 'job.failed': {
        const keys = this.finishing(event.job);
        this.finish(this.outcomes.failed(event), event.job, keys);
        break;
      }
      case 'job.waiting':
        // A stateful handler's sleep: written like a release, its slot freed (README: Handler jobs).
        this.runLengths.delete(event.job.id);
        this.settle(this.outcomes.waiting(event), 1);
        break;
      case 'job.released': {
        this.runLengths.delete(event.job.id);
        const ref = { jobId: event.job.id, token: event.claimToken };
        const released = this.outcomes.released(ref, event.attempts, event.outcomeUnknown);
        this.settle(released, event.heldSlot ? 1 : 0);
        break;
      }
      case 'lane.idle':
        this.lanes.laneWentIdle(event.laneKey);
        break;
    }
  }

  /** Whether anyone may hear events of `type`: unless the bus says nobody does. */
  private heard(type: number): boolean {
    const { bus } = this.deps;
    if (bus.listenerCount === undefined) return true;
    try {
      return bus.listenerCount(type) !== 0;
    } catch {
      return true; // a bus that cannot tell is published to
    }
  }

  /**
   * A lane actor failed (one of its actions threw: a bug, or a throwing `random`). Its job goes
   * back to the queue in its place with its attempts, the slot it held is freed, the attempt (if
   * one runs) is aborted, and the lane starts afresh with its next job.
   */
  private onLaneError(error: unknown, key: string): void {
    this.onError(error);
    const snapshot = this.lanes.get(key)?.getSnapshot();
    this.lanes.discard(key);
    if (this.dispatching?.laneKey === key) {
      // It failed taking this claim: the claim holds a slot and never started.
      const { claim } = this.dispatching;
      this.dispatching = undefined;
      this.returnUnstarted(claim, 1);
      return;
    }
    const job = snapshot?.context.job;
    if (snapshot === undefined || job === undefined || snapshot.hasTag('idle')) return;
    this.attempts.abort(key, JobErrorCodes.GRACEFUL_ABORT);
    this.runLengths.delete(job.id);
    const heldSlot = snapshot.hasTag('holdsSlot');
    const ref = { jobId: job.id, token: snapshot.context.claimToken };
    const { attempts, writeMayBeStored } = snapshot.context;
    this.settle(this.outcomes.released(ref, attempts, writeMayBeStored), heldSlot ? 1 : 0);
  }

  // ─── 5. Outcome ──────────────────────────────────────────────────────────────────────────────

  /**
   * The job's outcome is being written: its lanes are finishing until `finished(keys)`, given the
   * keys this returns. `firstKey`, the key of its first scope's lane when the caller has it.
   */
  private finishing(job: Job, firstKey?: string): LaneKeys {
    const keys = this.keysOf(job, firstKey);
    // The work list is made when something waits (`waitingFor`), mostly never.
    if (typeof keys === 'string') this.finishingLanes.set(keys, undefined);
    else for (const key of keys) this.finishingLanes.set(key, undefined);
    return keys;
  }

  /** The keys of the job's lanes; a one-lane job's is `firstKey` when given (no array). */
  private keysOf(job: Job, firstKey?: string): LaneKeys {
    const { scopes } = job;
    if (scopes.length === 1 && firstKey !== undefined) return firstKey;
    return scopes.map((scope) => laneKey(job.documentId, scope, job.branch));
  }

  /** The job's outcome is out: runs what waited for its lanes (in the order it arrived). */
  private finished(keys: LaneKeys): void {
    if (typeof keys === 'string') this.finishedLane(keys);
    else for (const key of keys) this.finishedLane(key);
  }

  private finishedLane(key: string): void {
    if (!this.finishingLanes.has(key)) return;
    const waiting = this.finishingLanes.get(key);
    this.finishingLanes.delete(key);
    if (waiting !== undefined) for (const work of waiting) work();
  }

  /** The work list of the first of the job's lanes that is finishing, if any: push to wait. */
  private waitingFor(job: Job): (() => void)[] | undefined {
    for (const scope of job.scopes) {
      const key = laneKey(job.documentId, scope, job.branch);
      if (!this.finishingLanes.has(key)) continue;
      const waiting = this.finishingLanes.get(key);
      if (waiting !== undefined) return waiting;
      const list: (() => void)[] = [];
      this.finishingLanes.set(key, list);
      return list;
    }
    return undefined;
  }

  /**
   * An attempt succeeded. Its outcome is written and published before its lane hears of it, so
   * that the same `attempt.done` can hand the lane its next job (step 6): one lane event per job.
   * The lane machine takes every current success to `completed`, whatever state it is in (a
   * timeout or a hard stop that came meanwhile included), so nothing is decided here early.
   */
  private succeeded(success: AttemptSuccess): void {
    this.finishing(success.job, success.laneKey);
    // The success carries what the outcome needs: no event object of its own; the callbacks are
    // made once (README: Performance).
    this.outcomes.completed(success, this.completedOut, this.completedFailed);
  }

  /** A success is written and published (or its end was given up): its lane goes on. */
  private readonly completedOut = (success: AttemptSuccess): void => {
    this.finished(this.keysOf(success.job, success.laneKey));
    this.continueLane(success);
  };

  private readonly completedFailed = (success: AttemptSuccess, error: unknown): void => {
    this.finished(this.keysOf(success.job, success.laneKey));
    this.onError(error);
    this.runLengths.delete(success.job.id);
    if (this.tellLane(success, undefined)) this.release(1, 1);
  };

  /**
   * After a failed job's queue I/O and events: claims waiting for its lanes go on, and its slot
   * runs the lane's next job or is released.
   */
  private finish(io: Promise<unknown>, job: Job, keys: LaneKeys): void {
    io.then(
      () => {
        this.finished(keys);
        this.continueLane(job);
      },
      (error: unknown) => {
        this.finished(keys);
        this.onError(error);
        this.runLengths.delete(job.id);
        this.release(1, 1);
      },
    );
  }

  /** After a job's final queue I/O (retried until written or given up), reports its slot and the job as settled. */
  private settle(io: Promise<unknown>, slots: number): void {
    io.then(
      () => this.release(slots, 1),
      (error: unknown) => {
        this.onError(error);
        this.release(slots, 1);
      },
    );
  }

  // ─── 6. Next claim ───────────────────────────────────────────────────────────────────────────

  /**
   * After a job finished (its queue I/O done): the slot it held runs the lane's next job at once
   * when the queue can hand it over (`claimLane`), the executor is running, no retry waits for a
   * slot, and the slot has run fewer than `laneBatchSize` jobs of the lane in a row. Otherwise the
   * slot goes back to the supervisor. Either way `jobCompleted` / `jobFailed` was published first.
   * After a success (`AttemptSuccess`) the lane still holds the finished job: the next job goes to
   * it with `attempt.done`. After a failure the lane is idle: the next job is dispatched.
   */
  private continueLane(finished: Job | AttemptSuccess): void {
    const success = 'lane' in finished ? finished : undefined;
    const job = success ? success.job : (finished as Job);
    if (
      this.queue.claimLane === undefined ||
      (this.runLengths.get(job.id) ?? 1) >= this.options.laneBatchSize ||
      // A keyless handler job's private lane holds only itself: a claimLane there always misses.
      (job.documentId === HANDLER_DOCUMENT_ID && job.branch === SOLO_BRANCH) ||
      !this.mayBatch()
    ) {
      this.runLengths.delete(job.id);
      if (success === undefined || this.tellLane(success, undefined)) this.release(1, 1);
      return;
    }
    // The run length stays recorded until the answer (`laneClaimed` reads it).
    const lane = { documentId: job.documentId, scope: job.scopes[0]!, branch: job.branch };
    this.claims.claimLane(lane, finished, this.laneClaimed, this.laneClaimFailed);
  }

  /** The queue's answer to `continueLane`'s `claimLane` (made once: no closures per job). */
  private readonly laneClaimed = (claim: Claim | undefined, finished: Job | AttemptSuccess) => {
    const success = 'lane' in finished ? finished : undefined;
    const job = success ? success.job : (finished as Job);
    const run = this.runLengths.get(job.id) ?? 1;
    if (run > 1) this.runLengths.delete(job.id);
    if (claim === undefined) {
      if (success === undefined || this.tellLane(success, undefined)) this.release(1, 1);
    } else if (!this.mayBatch()) {
      // Paused, stopping or a retry waiting meanwhile: the claim goes back unstarted. It took
      // over the finished job's slot and in-flight count (the supervisor never saw it), so
      // its return settles both.
      if (success === undefined || this.tellLane(success, undefined)) {
        this.returnUnstarted(claim, 1);
      } else this.giveBack(claim);
    } else if (success === undefined || !this.runsOn(claim, success.job)) {
      // The slot passes to the claim: one job settled and one in flight, nothing to report.
      // (A job of several lanes may be the head of this one and run on its first lane's actor.)
      if (success !== undefined && !this.tellLane(success, undefined)) this.giveBack(claim);
      else this.dispatch(claim, run + 1);
    } else {
      this.runLengths.set(claim.job.id, run + 1);
      const next = { claim, config: this.configFor(claim.job) };
      if (!this.tellLane(success, next)) {
        this.runLengths.delete(claim.job.id);
        this.giveBack(claim);
      }
    }
  };

  private readonly laneClaimFailed = (error: unknown, finished: Job | AttemptSuccess) => {
    const success = 'lane' in finished ? finished : undefined;
    this.runLengths.delete(success ? success.job.id : (finished as Job).id);
    this.onError(error);
    if (success === undefined || this.tellLane(success, undefined)) this.release(1, 1);
    // Its answer may be lost with a claim in it: the next claim reclaims it.
    this.wakeAt(this.clock.now() + CLAIM_RETRY_DELAY);
  };

  /**
   * Whether the claim's job runs on the lane actor of `finished` (the actor of its first lane):
   * the same three parts, as `laneKey` is injective (no key built per job).
   */
  private runsOn(claim: Claim, finished: Job): boolean {
    const { job } = claim;
    return (
      job.documentId === finished.documentId &&
      job.scopes[0] === finished.scopes[0] &&
      job.branch === finished.branch
    );
  }

  /**
   * Tells the lane its attempt succeeded (with its next job, if any). False when the lane actor is
   * gone: it failed meanwhile, and `onLaneError` has settled its job and slot.
   */
  private tellLane(success: AttemptSuccess, next: NextJob | undefined): boolean {
    const lane = this.lanes.get(success.laneKey);
    if (lane === undefined || lane !== success.lane) return false;
    if (next !== undefined) this.dispatching = { claim: next.claim, laneKey: success.laneKey };
    lane.send({ type: 'attempt.done', token: success.token, result: success.result, next });
    this.dispatching = undefined;
    // It failed on it: `onLaneError` has settled what it held.
    return lane.getSnapshot().status !== 'error';
  }

  /** A claim whose lane actor failed before it could start: back to pending, unreported. */
  private giveBack(claim: Claim): void {
    const ref = { jobId: claim.job.id, token: claim.token };
    this.outcomes.released(ref, claim.job.attempts - 1).catch(this.onError);
  }

  /** A finished job's slot may run the lane's next job (the supervisor's `continuesLanes`). */
  private mayBatch(): boolean {
    return this.supervisor.getSnapshot().hasTag('continuesLanes');
  }

  // ─── Stop paths ──────────────────────────────────────────────────────────────────────────────

  /** Gives a claim back without using an attempt (it never started), freeing `slots` slots. */
  private returnUnstarted(claim: Claim, slots: number): void {
    const ref = { jobId: claim.job.id, token: claim.token };
    this.settle(this.outcomes.released(ref, claim.job.attempts - 1), slots);
  }

  private releaseLanes(event: LaneReleaseCommand | LaneAbortCommand): void {
    if (event.laneKey !== undefined) {
      this.lanes.get(event.laneKey)?.send(event);
      return;
    }
    for (const [, lane] of [...this.lanes.busyLanes()]) lane.send(event);
  }

  private onStopped(graceful: boolean): void {
    this.unsubscribeAvailable?.();
    this.unsubscribeAvailable = undefined;
    this.cancelWake();
    this.lanes.stopIdle();
    this.publish(JobExecutorEventTypes.EXECUTOR_STOPPED, {
      stoppedAt: this.iso(this.clock.now()),
      graceful,
    });
  }

  // ─── Reports to the supervisor ───────────────────────────────────────────────────────────────
  // Batched: one supervisor event costs more than running a no-op job, so per-job reports are
  // coalesced into one event per microtask.

  private releasedSlots = 0;
  private settledJobs = 0;
  private releaseScheduled = false;
  private availableScheduled = false;
  private wakeTimer: unknown;
  private wakeDueAt = Number.POSITIVE_INFINITY;

  /** Frees `slots` concurrency slots and settles `jobs` claimed jobs (one event per microtask). */
  private release(slots: number, jobs: number): void {
    this.releasedSlots += slots;
    this.settledJobs += jobs;
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    queueMicrotask(() => {
      this.releaseScheduled = false;
      const event = {
        type: 'slots.released',
        slots: this.releasedSlots,
        jobs: this.settledJobs,
      } as const;
      this.releasedSlots = 0;
      this.settledJobs = 0;
      this.supervisor.send(event);
    });
  }

  /** New work may be claimable (coalesces `jobAvailable` bus events, one per microtask). */
  private jobsAvailable(): void {
    if (this.availableScheduled) return;
    this.availableScheduled = true;
    queueMicrotask(() => {
      this.availableScheduled = false;
      this.supervisor.send({ type: 'jobs.available' });
    });
  }

  /** After a short claim: wakes the supervisor when the queue's earliest delayed head is due. */
  private wakeForDelayed(): void {
    this.queue.nextRunAt().then(
      (at) => {
        if (at !== undefined) this.wakeAt(at);
      },
      (error: unknown) => this.onError(error),
    );
  }

  /** Wakes the supervisor at `at` (the earliest of the pending wake-ups wins). */
  private wakeAt(at: number): void {
    // A claim that returns as the executor stops must not leave a timer behind.
    if (!this.supervisor.getSnapshot().hasTag('active')) return;
    if (this.wakeTimer !== undefined && this.wakeDueAt <= at) return;
    this.cancelWake();
    this.wakeDueAt = at;
    this.wakeTimer = this.clock.setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeDueAt = Number.POSITIVE_INFINITY;
        this.supervisor.send({ type: 'jobs.available' });
      },
      // A job due beyond Node's timer range wakes the supervisor at the range's end, which re-arms.
      Math.min(MAX_DELAY, Math.max(0, at - this.clock.now())),
    );
  }

  private cancelWake(): void {
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeDueAt = Number.POSITIVE_INFINITY;
  }
}

/**
 * The fatal path's sync: pulls a job's missing history (the configured `resync`), then tells the
 * lane `sync.done`, or `sync.failed` with a `REBASE_FAILED` error wrapping the cause.
 */
function runSync(resync: (job: Job) => Promise<unknown>, job: Job, lane: LaneSelf): void {
  resync(job).then(
    () => lane.send({ type: 'sync.done' }),
    (error: unknown) => {
      const jobError = toJobError(error);
      const cause =
        jobError.code === JobErrorCodes.REBASE_FAILED
          ? jobError
          : new JobError(
              JobErrorCodes.REBASE_FAILED as JobErrorCode,
              `Sync failed: ${jobError.message}`,
              { cause: error },
            );
      lane.send({ type: 'sync.failed', error: cause });
    },
  );
}

type LaneSelf = { send(event: LaneEvent): void };

/** The lane keys of a job whose outcome is being written: one key, or the keys of its lanes. */
type LaneKeys = string | readonly string[];

/** The promise `start` returns, or a rejected one when it throws instead (a synchronous adapter). */
function promiseOf<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Runs `work` once `lane` is idle (or stopped: a lane that failed is replaced), a microtask
 * later, so that whatever the lane emitted on its way there is handled first.
 */
function whenIdle(lane: LaneActor, work: () => void): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    queueMicrotask(() => {
      subscription.unsubscribe();
      work();
    });
  };
  const subscription = lane.subscribe({
    next: (snapshot) => {
      if (snapshot.hasTag('idle')) finish();
    },
    complete: finish,
    error: finish,
  });
}
