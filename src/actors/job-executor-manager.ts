/**
 * `JobExecutorManager`: the public face of the runtime (README: Semantics, Events): start, stop,
 * pause, resume, status, stats, `watch`, events. It wires the parts; the path of a job through
 * them (claim → dispatch → lane → attempt → outcome → next claim) is `LaneDispatcher`.
 * @module
 */
import type { Actor, InspectionEvent, Observer } from 'xstate';
import type { BlockedLane, IEventBus, IQueue } from '../adapters/ports.js';
import { checkRuntimeOptions } from '../check-runtime-options.js';
import { type Clock, systemClock } from '../clock.js';
import {
  type EventPayloads,
  type ExecutorEventName,
  ExecutorEventNames,
  type ExecutorEventPayload,
  JobExecutorEventTypes,
} from '../events.js';
import type { supervisorMachine } from '../machines/supervisor-machine.js';
import {
  checkRunningOptions,
  DEFAULTS,
  type ExecutorOptions,
  type ResolvedExecutorOptions,
  resolveOptions,
} from '../options.js';
import type { IJobExecutor, Job, JobResult } from '../types.js';
import { ExecutionStats, type ExecutorStats, type ExecutorStatus } from './execution-stats.js';
import { type LaneFailurePolicy, type Publish, resultFromRecord } from './job-outcomes.js';
import { JobResults } from './job-results.js';
import { LaneDispatcher } from './lane-dispatcher.js';

export type { ExecutorStats, ExecutorStatus } from './execution-stats.js';
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
  private readonly onError: (error: unknown) => void;
  private readonly supervisor: Actor<typeof supervisorMachine>;
  private readonly dispatcher: LaneDispatcher;
  private readonly results: JobResults;
  private readonly stats: ExecutionStats;
  private startedAt: number | undefined;

  /** @throws ConfigError for a wrong-typed option, naming it. */
  constructor(deps: JobExecutorManagerOptions) {
    checkRuntimeOptions(deps);
    this.options = resolveOptions(deps.config ?? {}, DEFAULTS);
    this.clock = deps.clock ?? systemClock;
    this.queue = deps.queue;
    this.bus = deps.bus;
    const onError = deps.onError ?? ((error) => console.error('[seriatim]', error));
    // Never throws: it runs inside actor event handlers, where a throw would crash the process.
    this.onError = (error) => {
      try {
        onError(error);
      } catch (failure) {
        console.error('[seriatim] onError threw', failure, 'while reporting', error);
      }
    };
    this.results = new JobResults(this.options.resultRetention);
    this.stats = new ExecutionStats(() => this.clock.now(), this.options.statsWindow);
    this.dispatcher = new LaneDispatcher({
      queue: this.queue,
      executor: deps.executor,
      bus: this.bus,
      publish: this.publish,
      stats: this.stats,
      results: this.results,
      policy: deps.laneFailurePolicy ?? 'continue',
      options: this.options,
      clock: this.clock,
      random: deps.random ?? Math.random,
      inspect: deps.inspect,
      runnerId: deps.runnerId ?? `runner-${Math.random().toString(36).slice(2, 10)}`,
      resync: deps.resync,
      onError: this.onError,
    });
    this.supervisor = this.dispatcher.supervisor;
  }

  /**
   * Starts claiming and executing jobs. Resolves once running. On a running manager it is a
   * no-op, except that `config` is still validated, and one that would change an option is
   * rejected (`stop()` first): see README, Configuration.
   */
  async start(config?: ExecutorOptions, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const state = this.supervisor.getSnapshot();
    if (state.hasTag('stopping')) await this.waitFor('stopped', signal);
    if (!this.supervisor.getSnapshot().hasTag('stopped')) {
      checkRunningOptions(config ?? {}, this.options);
      return;
    }
    this.options = resolveOptions(config ?? {}, this.options);
    this.results.setRetention(this.options.resultRetention);
    this.stats.setWindow(this.options.statsWindow);
    this.startedAt = this.clock.now();
    this.stats.begin(this.startedAt);
    this.dispatcher.start(this.options);
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
    if (this.supervisor.getSnapshot().hasTag('stopped')) return;
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
    const isRunning = snapshot.hasTag('active');
    return {
      isRunning,
      isPaused: snapshot.hasTag('paused'),
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
    return this.dispatcher.holds(job);
  }

  /** Rejects the `watch`es waiting for `jobId` with `reason`: its job was cancelled. */
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
    return this.dispatcher.lanes.size;
  }

  /** The supervisor actor, for inspection. */
  get supervisorActor(): Actor<typeof supervisorMachine> {
    return this.supervisor;
  }

  /** Stops every actor; the manager cannot be used afterwards. Call `stop()` first. */
  dispose(): void {
    this.dispatcher.dispose();
  }

  private waitFor(state: 'stopped', signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.supervisor.getSnapshot().hasTag(state)) return resolve();
      const subscription = this.supervisor.subscribe((snapshot) => {
        if (!snapshot.hasTag(state)) return;
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
    return this.dispatcher.iso(ms);
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
