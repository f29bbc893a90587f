/**
 * An `IJobExecutor` whose behaviour per job and attempt is scripted, and which checks the lane
 * invariants as it goes: no two attempts of one lane overlap (from call until the promise
 * settles), and the order in which jobs succeed per lane is recorded.
 */
import type { Clock } from '../../src/clock.js';
import { JobError, type JobErrorCode } from '../../src/errors.js';
import type { IJobExecutor, Job, JobResult } from '../../src/types.js';

export type Step =
  | { kind: 'ok'; after?: number }
  | { kind: 'fail'; code: number; after?: number }
  /** Resolves only when the signal aborts, with the abort reason's code. */
  | { kind: 'hang' }
  /** Ignores the signal: resolves after `after` ms whatever happens, failed with `code` if set. */
  | { kind: 'ignoreSignal'; after: number; code?: number };

export type Script = (job: Job, attempt: number) => Step;

const laneOf = (job: Job, scope: string) => `${job.documentId}/${scope}/${job.branch}`;

export class ScriptedExecutor implements IJobExecutor {
  readonly violations: string[] = [];
  /** Successful jobs per lane, in the order they finished. */
  readonly laneOrder = new Map<string, string[]>();
  readonly calls: { jobId: string; attempt: number; at: number }[] = [];
  /** Results that came back after their signal had fired. */
  readonly lateResults: string[] = [];
  private readonly active = new Map<string, string>();
  private readonly attemptsByJob = new Map<string, number>();
  running = 0;
  maxRunning = 0;

  constructor(
    private readonly clock: Clock,
    private readonly script: Script = () => ({ kind: 'ok' }),
  ) {}

  async execute(job: Job, _config?: unknown, signal?: AbortSignal): Promise<JobResult> {
    const attempt = (this.attemptsByJob.get(job.id) ?? 0) + 1;
    this.attemptsByJob.set(job.id, attempt);
    this.calls.push({ jobId: job.id, attempt, at: this.clock.now() });
    for (const scope of job.scopes) {
      const lane = laneOf(job, scope);
      const holder = this.active.get(lane);
      if (holder !== undefined) this.violations.push(`${job.id} overlaps ${holder} on ${lane}`);
      this.active.set(lane, job.id);
    }
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const started = this.clock.now();
    try {
      const step = this.script(job, attempt);
      const outcome = await this.perform(step, signal);
      if (signal?.aborted && step.kind === 'ignoreSignal') this.lateResults.push(job.id);
      const base = {
        job,
        completedAt: new Date(this.clock.now()).toISOString(),
        duration: this.clock.now() - started,
        operations: [],
      };
      if (outcome === true) {
        for (const scope of job.scopes) {
          const lane = laneOf(job, scope);
          const order = this.laneOrder.get(lane) ?? [];
          order.push(job.id);
          this.laneOrder.set(lane, order);
        }
        return { ...base, success: true };
      }
      return {
        ...base,
        success: false,
        errorCode: outcome.code,
        errorMessage: outcome.message,
        error: outcome,
      };
    } finally {
      this.running--;
      for (const scope of job.scopes) this.active.delete(laneOf(job, scope));
    }
  }

  private perform(step: Step, signal?: AbortSignal): Promise<true | JobError> {
    return new Promise((resolve) => {
      const finish = () => {
        if (step.kind === 'ok') return resolve(true);
        if (step.kind === 'fail')
          return resolve(new JobError(step.code as JobErrorCode, 'scripted failure'));
        if (step.kind === 'ignoreSignal') {
          if (step.code === undefined) return resolve(true);
          return resolve(new JobError(step.code as JobErrorCode, 'scripted late failure'));
        }
      };
      if (step.kind === 'hang' || step.kind === 'ok' || step.kind === 'fail') {
        const onAbort = () => {
          const reason = signal?.reason;
          resolve(reason instanceof JobError ? reason : new JobError(90010, 'aborted'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
      }
      if (step.kind === 'hang') return;
      const after = step.after ?? 0;
      if (after === 0) queueMicrotask(finish);
      else this.clock.setTimeout(finish, after);
    });
  }
}
