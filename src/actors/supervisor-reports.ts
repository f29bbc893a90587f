/**
 * What the runtime tells the supervisor actor, batched: freed slots and settled jobs, new work
 * (`jobAvailable`), and wake-ups when the earliest delayed job becomes due.
 *
 * Why batched: one supervisor event costs more than running a no-op job, so per-job reports are
 * coalesced into one event per microtask.
 * @internal
 * @module
 */
import type { Actor } from 'xstate';
import type { IQueue } from '../adapters/ports.js';
import type { Clock } from '../clock.js';
import type { supervisorMachine } from '../machines/supervisor-machine.js';
import { MAX_DELAY } from '../options.js';

export class SupervisorReports {
  private releasedSlots = 0;
  private settledJobs = 0;
  private releaseScheduled = false;
  private availableScheduled = false;
  private wakeTimer: unknown;
  private wakeDueAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly supervisor: Actor<typeof supervisorMachine>,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Frees `slots` concurrency slots and settles `jobs` claimed jobs (one event per microtask). */
  release(slots: number, jobs: number): void {
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
  jobAvailable(): void {
    if (this.availableScheduled) return;
    this.availableScheduled = true;
    queueMicrotask(() => {
      this.availableScheduled = false;
      this.supervisor.send({ type: 'jobs.available' });
    });
  }

  /** After a short claim: wakes the supervisor when the queue's earliest delayed head is due. */
  wakeForDelayed(queue: IQueue): void {
    queue.nextRunAt().then(
      (at) => {
        if (at !== undefined) this.wakeAt(at);
      },
      (error: unknown) => this.onError(error),
    );
  }

  /** Wakes the supervisor at `at` (the earliest of the pending wake-ups wins). */
  wakeAt(at: number): void {
    // A claim that returns as the executor stops must not leave a timer behind.
    const state = this.supervisor.getSnapshot().value;
    if (state !== 'running' && state !== 'paused') return;
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

  cancelWake(): void {
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeDueAt = Number.POSITIVE_INFINITY;
  }
}
