/**
 * `JobExecutorManager`: the runtime that wires the supervisor actor, the lane registry, the
 * queue, the executor and the bus (README: Semantics, Events).
 *
 * The machines decide; this class carries out what they emit (claims, dispatch, queue I/O, bus
 * events) and reports back in batches: one `slots.released` event per microtask, not per job.
 * @module
 */
import {
  type Actor,
  assign,
  createActor,
  type InspectionEvent,
  type Observer,
  type Subscription,
} from 'xstate';
import type { BlockedLane, Claim, IEventBus, IQueue } from '../adapters/ports.js';
import { checkRuntimeOptions } from '../check-runtime-options.js';
import { type Clock, systemClock } from '../clock.js';
import { JobErrorCodes } from '../errors.js';
import {
  type EventPayloads,
  type ExecutorEventName,
  ExecutorEventNames,
  type ExecutorEventPayload,
  JobExecutorEventTypes,
  QueueEventTypes,
} from '../events.js';
import { laneKey } from '../lane-key.js';
import { attemptTiming, backoffTiming } from '../machines/job-lifecycle.js';
import { laneMachine } from '../machines/lane-machine.js';
import type {
  LaneAbortCommand,
  LaneEmitted,
  LaneReleaseCommand,
  SupervisorEmitted,
} from '../machines/protocol.js';
import { supervisorMachine } from '../machines/supervisor-machine.js';
import {
  checkRunningOptions,
  DEFAULTS,
  type ExecutorOptions,
  type ResolvedExecutorOptions,
  resolveOptions,
} from '../options.js';
import type { IJobExecutor, Job, JobResult } from '../types.js';
import { AttemptRunner } from './attempt-runner.js';
import { ClaimRequests } from './claim-requests.js';
import { ExecutionStats } from './execution-stats.js';
import { FinishingLanes } from './finishing-lanes.js';
import {
  JobOutcomes,
  type LaneFailurePolicy,
  type Publish,
  resultFromRecord,
} from './job-outcomes.js';
import { JobResults } from './job-results.js';
import { LaneRegistry } from './lane-registry.js';
import { runResync } from './resync-runner.js';
import { RunConfigs } from './run-configs.js';
import { SupervisorReports } from './supervisor-reports.js';

export type { LaneFailurePolicy } from './job-outcomes.js';

export type JobExecutorManagerOptions = {
  queue: IQueue;
  executor: IJobExecutor;
  bus: IEventBus;
  /** Defaults for `start(config)`. */
  config?: ExecutorOptions;
  /** Time source for actors, timestamps and timers. @default systemClock */
  clock?: Clock;
  /** Uniform random numbers in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /** Given to every actor the runtime creates (Stately inspector, recorders). @default undefined */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Identifies this process's claims. @default a random id */
  runnerId?: string;
  /** Fatal path: pull missing history for a job's lanes before re-applying it once. */
  resync?: (job: Job) => Promise<unknown>;
  /** @default 'continue' */
  laneFailurePolicy?: LaneFailurePolicy;
  /** Receives errors the runtime cannot attribute to a job (queue I/O, actor errors). */
  onError?: (error: unknown) => void;
};

/** Executor status (README: Semantics, "Stats"). */
export type ExecutorStatus = {
  isRunning: boolean;
  isPaused: boolean;
  activeJobs: number;
  totalJobsProcessed: number;
  totalJobsSucceeded: number;
  totalJobsFailed: number;
  lastJobCompletedAt?: string;
  uptime?: number;
};

/** Execution statistics (README: Semantics, "Stats"). */
export type ExecutorStats = {
  averageExecutionTime: number;
  successRate: number;
  jobsPerSecond: number;
  queueBacklog: number;
};

/** Retry delay after a failed claim (queue unreachable), before trying again. */
const CLAIM_RETRY_DELAY = 1_000;

/**
 * Runs jobs from the queue in strict lane order with a global concurrency cap.
 *
 * @example
 * const manager = new JobExecutorManager({ queue, executor, bus });
 * manager.on('jobCompleted', ({ job }) => console.log('done', job.id));
 * await manager.start({ maxConcurrency: 8 });
 * const result = await manager.watch(jobId);
 * await manager.stop();
 */
export class JobExecutorManager {
  private options: ResolvedExecutorOptions;
  private readonly clock: Clock;
  private readonly queue: IQueue;
  private readonly bus: IEventBus;
  private readonly runnerId: string;
  private readonly onError: (error: unknown) => void;
  private readonly supervisor: Actor<typeof supervisorMachine>;
  private readonly lanes: LaneRegistry;
  private readonly attempts: AttemptRunner;
  private readonly results: JobResults;
  private readonly stats: ExecutionStats;
  private readonly outcomes: JobOutcomes;
  private readonly claims: ClaimRequests;
  private readonly reports: SupervisorReports;
  private readonly runConfigs: RunConfigs;

  private unsubscribeAvailable: (() => void) | undefined;
  private startedAt: number | undefined;
  /** Jobs running as the 2nd, 3rd, … job of a lane on one slot (lane batching), by job id. */
  private readonly runLengths = new Map<string, number>();
  private readonly finishingLanes = new FinishingLanes();
  /** The claim being handed to its lane actor (and that lane), should that actor fail on it. */
  private dispatching: { claim: Claim; laneKey: string } | undefined;

  /** @throws ConfigError for a wrong-typed option, naming it. */
  constructor(deps: JobExecutorManagerOptions) {
    checkRuntimeOptions(deps);
    this.options = resolveOptions(deps.config ?? {}, DEFAULTS);
    this.clock = deps.clock ?? systemClock;
    this.queue = deps.queue;
    this.bus = deps.bus;
    this.runnerId = deps.runnerId ?? `runner-${Math.random().toString(36).slice(2, 10)}`;
    const onError = deps.onError ?? ((error) => console.error('[seriatim]', error));
    // Never throws: it runs inside actor event handlers, where a throw would crash the process.
    this.onError = (error) => {
      try {
        onError(error);
      } catch (failure) {
        console.error('[seriatim] onError threw', failure, 'while reporting', error);
      }
    };
    this.runConfigs = new RunConfigs(deps.resync !== undefined);
    this.attempts = new AttemptRunner(deps.executor);
    this.results = new JobResults(this.options.resultRetention);
    this.stats = new ExecutionStats(() => this.clock.now(), this.options.statsWindow);
    this.claims = new ClaimRequests(this.queue, this.runnerId);
    this.outcomes = new JobOutcomes({
      queue: this.queue,
      clock: this.clock,
      stats: this.stats,
      results: this.results,
      publish: this.publish,
      policy: deps.laneFailurePolicy ?? 'continue',
      onError: this.onError,
      stopping: () => {
        const state = this.supervisor.getSnapshot().value;
        return state === 'stopping' || state === 'stopped';
      },
    });

    const random = deps.random ?? Math.random;
    const machine = laneMachine.provide({
      actions: {
        beginAttempt: assign(({ context }) => attemptTiming(context, this.clock.now())),
        chooseBackoff: assign(({ context }) => backoffTiming(context, this.clock.now(), random)),
        // Not an invoked `fromPromise` actor: an invoked child per attempt (created, started,
        // its done event routed back) measured +30-40 µs/job on P1. The attempt is a plain
        // promise whose outcome comes back as `attempt.done` / `attempt.failed`, tagged with the
        // attempt's token so a late answer of an older attempt is ignored (`isCurrentAttempt`).
        runAttempt: ({ context, self }) => this.attempts.run(context, self),
        abortAttempt: ({ context }, params) => this.attempts.abort(context.laneKey, params.code),
        runSync: ({ context, self }) => {
          if (deps.resync) runResync(deps.resync, context.job!, self);
        },
      },
    });
    this.lanes = new LaneRegistry({
      machine,
      clock: this.clock,
      inspect: deps.inspect,
      idleTimeout: this.options.laneIdleTimeout,
      maxResidentIdle: this.options.maxResidentLanes,
      onEmitted: (event) => this.onLaneEvent(event),
      onError: (error, key) => this.onLaneError(error, key),
    });

    this.supervisor = createActor(supervisorMachine, { clock: this.clock, inspect: deps.inspect });
    this.supervisor.subscribe({ error: (error) => this.onError(error) });
    this.supervisor.on('*', (event) => this.onSupervisorEvent(event));
    this.reports = new SupervisorReports(this.supervisor, this.clock, this.onError);
    this.supervisor.start();
  }

  /**
   * Starts claiming and executing jobs. Resolves once running. On a running manager it is a
   * no-op, except that `config` is still validated, and one that would change an option is
   * rejected (`stop()` first): see README, Configuration.
   */
  async start(config?: ExecutorOptions, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const state = this.supervisor.getSnapshot();
    if (state.matches('stopping')) await this.waitFor('stopped', signal);
    if (!this.supervisor.getSnapshot().matches('stopped')) {
      checkRunningOptions(config ?? {}, this.options);
      return;
    }
    this.options = resolveOptions(config ?? {}, this.options);
    this.results.setRetention(this.options.resultRetention);
    this.stats.setWindow(this.options.statsWindow);
    this.lanes.configure(this.options.laneIdleTimeout, this.options.maxResidentLanes);
    this.startedAt = this.clock.now();
    this.stats.begin(this.startedAt);
    this.unsubscribeAvailable = this.bus.subscribe(QueueEventTypes.JOB_AVAILABLE, () =>
      this.reports.jobAvailable(),
    );
    this.supervisor.send({ type: 'start', capacity: this.options.maxConcurrency });
    this.publish(JobExecutorEventTypes.EXECUTOR_STARTED, {
      config: { ...this.options },
      startedAt: this.iso(this.startedAt),
    });
  }

  /**
   * Stops claiming. Graceful (default): running attempts finish and jobs waiting for a retry go
   * back to the queue with their attempt count. Not graceful: running attempts are aborted and
   * their jobs go back to the queue as pending. Resolves when nothing is in flight. Aborting
   * `signal` rejects the wait; the stop itself goes on.
   */
  async stop(graceful = true, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.supervisor.getSnapshot().matches('stopped')) return;
    this.supervisor.send({ type: 'stop', graceful });
    await this.waitFor('stopped', signal);
  }

  /** No new attempt starts (retries that come due wait); running attempts finish. */
  async pause(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.supervisor.send({ type: 'pause' });
  }

  /** Lets attempts start again. */
  async resume(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.supervisor.send({ type: 'resume' });
  }

  async getStatus(signal?: AbortSignal): Promise<ExecutorStatus> {
    signal?.throwIfAborted();
    const snapshot = this.supervisor.getSnapshot();
    const isRunning = snapshot.matches('running') || snapshot.matches('paused');
    return {
      isRunning,
      isPaused: snapshot.matches('paused'),
      activeJobs: snapshot.context.used,
      totalJobsProcessed: this.stats.processed,
      totalJobsSucceeded: this.stats.succeeded,
      totalJobsFailed: this.stats.failed,
      lastJobCompletedAt:
        this.stats.lastCompletedAt === undefined ? undefined : this.iso(this.stats.lastCompletedAt),
      uptime: isRunning && this.startedAt !== undefined ? this.clock.now() - this.startedAt : 0,
    };
  }

  async getStats(signal?: AbortSignal): Promise<ExecutorStats> {
    signal?.throwIfAborted();
    return {
      averageExecutionTime: this.stats.averageExecutionTime,
      successRate: this.stats.successRate,
      jobsPerSecond: this.stats.jobsPerSecond(),
      queueBacklog: await this.queue.backlog(),
    };
  }

  /**
   * Resolves with the job's result when it finishes (at once if it has). Rejects for an unknown
   * job id, and with the signal's reason when `signal` aborts.
   */
  async watch(jobId: string, signal?: AbortSignal): Promise<JobResult> {
    signal?.throwIfAborted();
    const known = this.results.get(jobId);
    if (known) return known;
    // Register first, then look the job up, so a finish in between is not missed.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const waiting = this.results.wait(jobId, controller.signal);
    // The signal may abort while the queue is asked below: that rejection is read later.
    waiting.catch(() => {});
    try {
      const job = await this.queue.get(jobId);
      const settled = this.results.get(jobId);
      if (settled) return settled;
      if (!job)
        throw new Error(`Unknown job id ${JSON.stringify(jobId)}: the queue has no such job`);
      const finished = job.status === 'COMPLETED' || job.status === 'FAILED';
      if (finished && !this.isFinishingHere(job)) {
        // Finished before this process kept its result (another runner, or dropped from retention).
        return resultFromRecord(job, this.iso(job.finishedAt ?? job.createdAt));
      }
      return await waiting;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!controller.signal.aborted) controller.abort();
    }
  }

  /**
   * Whether this process is still finishing the job: its lane holds it (an append that completes
   * the claim shows the job finished before the attempt returns) or its end is being written. Its
   * result comes then, and `watch` must wait for it rather than rebuild one from the record.
   */
  private isFinishingHere(job: Job): boolean {
    if (this.outcomes.isEnding(job.id)) return true;
    const lane = this.lanes.get(laneKey(job.documentId, job.scopes[0]!, job.branch));
    return lane?.getSnapshot().context.job?.id === job.id;
  }

  /** Rejects the `watch`es waiting for `jobId` with `reason`: its job was cancelled. @internal */
  cancelWatchers(jobId: string, reason: unknown): void {
    this.results.cancel(jobId, reason);
  }

  /** Subscribes to an executor event by name; returns the unsubscribe function. */
  on<N extends ExecutorEventName>(
    event: N,
    handler: (payload: ExecutorEventPayload<N>) => void,
  ): () => void {
    const code = ExecutorEventNames[event];
    if (code === undefined) {
      throw new TypeError(
        `Unknown event ${JSON.stringify(event)}; expected one of ${Object.keys(ExecutorEventNames).join(', ')}`,
      );
    }
    return this.bus.subscribe(code, handler as (payload: unknown) => void);
  }

  /** Lanes blocked by a job that failed under the `halt` policy. */
  getBlockedLanes(): Promise<BlockedLane[]> {
    return this.queue.blockedLanes();
  }

  /** Runs a halted job again, in its place. */
  retryJob(jobId: string): Promise<void> {
    // Its failed result is no longer its outcome: `watch` waits for the new one.
    return this.queue.retry(jobId).then(() => this.results.forget(jobId));
  }

  /** Lets a halted job's lanes continue without it. */
  skipJob(jobId: string): Promise<void> {
    return this.queue.skip(jobId);
  }

  /** Resident lane actors (busy and idle), for monitoring and leak tests. */
  get residentLanes(): number {
    return this.lanes.size;
  }

  /** The supervisor actor, for inspection. */
  get supervisorActor(): Actor<typeof supervisorMachine> {
    return this.supervisor;
  }

  /** Stops every actor; the manager cannot be used afterwards. Call `stop()` first. */
  dispose(): void {
    this.unsubscribeAvailable?.();
    this.reports.cancelWake();
    this.outcomes.dispose();
    this.lanes.stopAll();
    this.supervisor.stop();
  }

  // ─── Supervisor effects ──────────────────────────────────────────────────────────────────────

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
        if (lane?.getSnapshot().hasTag('awaitingSlot')) lane.send({ type: 'slot.granted' });
        else this.reports.release(1, 0); // the lane failed meanwhile: the slot goes back
        break;
      }
      case 'lane.release':
      case 'lane.abort':
        this.releaseLanes(event);
        break;
      case 'claim.retry':
        this.reports.wakeAt(this.clock.now() + CLAIM_RETRY_DELAY);
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
        if (this.claims.unanswered) this.reports.wakeAt(this.clock.now());
        else if (claims.length < limit) this.reports.wakeForDelayed(this.queue);
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

  /**
   * Hands a claim holding a concurrency slot to its lane actor. `run` counts the jobs this slot has
   * run back to back for the lane (lane batching), this one included.
   */
  private dispatch(claim: Claim, run: number): void {
    const { job } = claim;
    const waiting = this.finishingLanes.waitingFor(job);
    if (waiting !== undefined) {
      waiting.push(() => {
        if (this.supervisor.getSnapshot().value === 'running') this.dispatch(claim, run);
        else this.returnUnstarted(claim, 1); // paused or stopping meanwhile
      });
      return;
    }
    const key = laneKey(job.documentId, job.scopes[0]!, job.branch);
    const lane = this.lanes.acquire(key);
    if (!lane.getSnapshot().matches('idle')) {
      // The end of a claim is folded into its append: the queue may hand out the lane's next job
      // as soon as that append commits, while this lane still takes in its attempt's answer. The
      // claim waits for the lane, holding its slot (then `dispatch` again: the lane's outcome may
      // still be being written, see `finishingLanes`).
      whenIdle(lane, () => {
        if (this.supervisor.getSnapshot().value === 'running') this.dispatch(claim, run);
        else this.returnUnstarted(claim, 1); // paused or stopping meanwhile
      });
      return;
    }
    if (run > 1) this.runLengths.set(job.id, run);
    this.dispatching = { claim, laneKey: key };
    lane.send({ type: 'job.assign', claim, config: this.runConfigs.for(job, this.options) });
    this.dispatching = undefined;
  }

  /**
   * After a job finished (its queue I/O done): the slot it held runs the lane's next job at once
   * when the queue can hand it over (`claimLane`), the executor is running, no retry waits for a
   * slot, and the slot has run fewer than `laneBatchSize` jobs of the lane in a row. Otherwise the
   * slot goes back to the supervisor. Either way `jobCompleted` / `jobFailed` was published first.
   */
  private continueLane(job: Job): void {
    const run = this.runLengths.get(job.id) ?? 1;
    if (run > 1) this.runLengths.delete(job.id);
    if (
      this.queue.claimLane === undefined ||
      run >= this.options.laneBatchSize ||
      !this.mayBatch()
    ) {
      this.reports.release(1, 1);
      return;
    }
    const lane = { documentId: job.documentId, scope: job.scopes[0]!, branch: job.branch };
    promiseOf(() => this.claims.claimLane(lane)).then(
      (claim) => {
        if (claim === undefined) {
          this.reports.release(1, 1);
        } else if (!this.mayBatch()) {
          // Paused, stopping or a retry waiting meanwhile: the claim goes back unstarted. It took
          // over the finished job's slot and in-flight count (the supervisor never saw it), so
          // its return settles both.
          this.returnUnstarted(claim, 1);
        } else {
          // The slot passes to the claim: one job settled and one in flight, nothing to report.
          this.dispatch(claim, run + 1);
        }
      },
      (error: unknown) => {
        this.onError(error);
        this.reports.release(1, 1);
        // Its answer may be lost with a claim in it: the next claim reclaims it.
        this.reports.wakeAt(this.clock.now() + CLAIM_RETRY_DELAY);
      },
    );
  }

  /** A finished job's slot may run the lane's next job: running, and no retry waits for a slot. */
  private mayBatch(): boolean {
    const snapshot = this.supervisor.getSnapshot();
    return snapshot.value === 'running' && snapshot.context.waiting.length === 0;
  }

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
    this.reports.cancelWake();
    this.lanes.stopIdle();
    this.publish(JobExecutorEventTypes.EXECUTOR_STOPPED, {
      stoppedAt: this.iso(this.clock.now()),
      graceful,
    });
  }

  // ─── Lane effects ────────────────────────────────────────────────────────────────────────────

  private onLaneEvent(event: LaneEmitted): void {
    switch (event.type) {
      case 'job.started':
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
        this.reports.release(1, 0);
        break;
      case 'job.completed':
        this.finishingLanes.finishing(event.job);
        this.finish(this.outcomes.completed(event), event.job);
        break;
      case 'job.failed':
        this.finishingLanes.finishing(event.job);
        this.finish(this.outcomes.failed(event), event.job);
        break;
      case 'job.waiting':
        // A stateful handler's sleep: written like a release, its slot freed (README: Handler jobs).
        this.runLengths.delete(event.job.id);
        this.settle(this.outcomes.waiting(event), 1);
        break;
      case 'job.released': {
        this.runLengths.delete(event.job.id);
        const ref = { jobId: event.job.id, token: event.claimToken };
        this.settle(this.outcomes.released(ref, event.attempts), event.heldSlot ? 1 : 0);
        break;
      }
      case 'slot.request':
        this.supervisor.send(event);
        break;
      case 'lane.idle':
        this.lanes.laneWentIdle(event.laneKey);
        break;
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
    if (snapshot === undefined || job === undefined || snapshot.matches('idle')) return;
    this.attempts.abort(key, JobErrorCodes.GRACEFUL_ABORT);
    this.runLengths.delete(job.id);
    const heldSlot = snapshot.hasTag('holdsSlot');
    const ref = { jobId: job.id, token: snapshot.context.claimToken };
    this.settle(this.outcomes.released(ref, snapshot.context.attempts), heldSlot ? 1 : 0);
  }

  // ─── Settling finished jobs ──────────────────────────────────────────────────────────────────

  /**
   * After a finished job's queue I/O and events: claims waiting for its lanes go on, and its slot
   * runs the lane's next job or is released.
   */
  private finish(io: Promise<unknown>, job: Job): void {
    io.then(
      () => {
        this.finishingLanes.finished(job);
        this.continueLane(job);
      },
      (error: unknown) => {
        this.finishingLanes.finished(job);
        this.onError(error);
        this.runLengths.delete(job.id);
        this.reports.release(1, 1);
      },
    );
  }

  /** After a job's final queue I/O (retried until written or given up), reports its slot and the job as settled. */
  private settle(io: Promise<unknown>, slots: number): void {
    io.then(
      () => this.reports.release(slots, 1),
      (error: unknown) => {
        this.onError(error);
        this.reports.release(slots, 1);
      },
    );
  }

  private waitFor(state: 'stopped', signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.supervisor.getSnapshot().matches(state)) return resolve();
      const subscription = this.supervisor.subscribe((snapshot) => {
        if (!snapshot.matches(state)) return;
        subscription.unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = () => {
        subscription.unsubscribe();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private iso(ms: number): string {
    return this.outcomes.iso(ms);
  }

  /** Publishes on the bus; a throwing bus is reported, never thrown into an actor. */
  private readonly publish: Publish = <K extends keyof EventPayloads & number>(
    type: K,
    payload: EventPayloads[K],
  ): void => {
    try {
      this.bus.publish(type, payload);
    } catch (error) {
      this.onError(error);
    }
  };
}

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
function whenIdle(
  lane: {
    subscribe(observer: Partial<Observer<{ matches(state: 'idle'): boolean }>>): Subscription;
  },
  work: () => void,
): void {
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
      if (snapshot.matches('idle')) finish();
    },
    complete: finish,
    error: finish,
  });
}
