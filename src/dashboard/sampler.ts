/**
 * The dashboard's sampler: every `interval` it reads the queue's overview, turns the finished
 * count into throughput, and (with a reactor) the attempts' durations into latency; it keeps the
 * last `history` points for the chart and tells the live streams.
 * @module
 */

import type { ExecutorStatus } from '../actors/job-executor-manager.js';
import type { QueueOverview } from '../adapters/lanes-view.js';
import type { Clock } from '../clock.js';
import type { Reactor } from '../reactor.js';
import type { LaneRef } from '../types.js';

/** One point of the chart. */
export type SamplePoint = {
  at: number;
  /** Jobs finished (completed or failed) per second since the previous point. */
  throughput: number;
  /** Mean duration (ms) of the attempts finished since the previous point; null when none or unknown. */
  latency: number | null;
};

/** A job waiting for its next attempt after a retryable failure (reactor only). */
export type BackingOff = {
  jobId: string;
  lanes: LaneRef[];
  retryCount: number;
  nextAttemptAt: number;
  errorCode: number;
  errorMessage: string;
};

/** What the dashboard sends: now, and the recent past. */
export type DashboardSample = {
  at: number;
  overview?: QueueOverview;
  /** The reactor's executor status, when a reactor is watched. */
  status?: ExecutorStatus;
  backingOff: BackingOff[];
  points: SamplePoint[];
  /** Why the last read failed (the storage is unreachable, …). */
  error?: string;
};

type Source = { queue: { overview?(): Promise<QueueOverview> }; reactor?: Reactor };

export class Sampler {
  readonly #source: Source;
  readonly #interval: number;
  readonly #clock: Clock;
  #stopped = false;
  readonly #history: number;
  readonly #points: SamplePoint[] = [];
  readonly #listeners = new Set<(sample: DashboardSample) => void>();
  readonly #backingOff = new Map<string, BackingOff>();
  readonly #unsubscribe: (() => void)[] = [];
  #timer: unknown;
  #lastFinished: number | undefined;
  #lastAt = 0;
  #durations = 0;
  #finishedAttempts = 0;
  #busy = false;

  constructor(source: Source, options: { interval: number; history: number; clock: Clock }) {
    this.#source = source;
    this.#clock = options.clock;
    this.#interval = options.interval;
    this.#history = options.history;
  }

  onSample(listener: (sample: DashboardSample) => void): void {
    this.#listeners.add(listener);
  }

  start(): void {
    const reactor = this.#source.reactor;
    if (reactor) {
      const ended = (jobId: string, duration: number) => {
        this.#backingOff.delete(jobId);
        this.#durations += duration;
        this.#finishedAttempts += 1;
      };
      this.#unsubscribe.push(
        reactor.on('jobCompleted', ({ job, result }) => ended(job.id, result.duration)),
        reactor.on('jobFailed', ({ job, result }) => ended(job.id, result.duration)),
        reactor.on('jobRetry', ({ job, error, retryCount, delay }) => {
          this.#backingOff.set(job.id, {
            jobId: job.id,
            lanes: job.scopes.map((scope) => ({
              documentId: job.documentId,
              scope,
              branch: job.branch,
            })),
            retryCount,
            nextAttemptAt: this.#clock.now() + delay,
            errorCode: error.code,
            errorMessage: error.message,
          });
        }),
      );
    }
    this.#schedule();
    this.poke();
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Takes a sample now and tells the listeners (after a retry or skip, and on every tick). */
  poke(): void {
    if (this.#busy) return;
    this.#busy = true;
    this.#take()
      .then((sample) => {
        for (const listener of this.#listeners) listener(sample);
      })
      .finally(() => {
        this.#busy = false;
      });
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.poke();
      this.#schedule();
    }, this.#interval);
    // A real timer must not keep a process alive on its own: the server does while it listens.
    (this.#timer as { unref?: () => void } | undefined)?.unref?.();
  }

  /** The present state, without adding a point. */
  async current(): Promise<DashboardSample> {
    const sample: DashboardSample = {
      at: this.#clock.now(),
      backingOff: [...this.#backingOff.values()],
      points: [...this.#points],
    };
    try {
      if (this.#source.queue.overview) sample.overview = await this.#source.queue.overview();
      if (this.#source.reactor) sample.status = await this.#source.reactor.getStatus();
    } catch (error) {
      sample.error = error instanceof Error ? error.message : String(error);
    }
    return sample;
  }

  async #take(): Promise<DashboardSample> {
    const sample = await this.current();
    const overview = sample.overview;
    if (overview) {
      const finished = overview.counts.completed + overview.counts.failed;
      if (this.#lastFinished !== undefined) {
        const seconds = Math.max((sample.at - this.#lastAt) / 1000, 1e-3);
        this.#points.push({
          at: sample.at,
          throughput: Math.max(0, finished - this.#lastFinished) / seconds,
          latency: this.#finishedAttempts > 0 ? this.#durations / this.#finishedAttempts : null,
        });
        if (this.#points.length > this.#history) this.#points.shift();
      }
      this.#lastFinished = finished;
      this.#lastAt = sample.at;
      this.#durations = 0;
      this.#finishedAttempts = 0;
    }
    sample.points = [...this.#points];
    return sample;
  }
}
