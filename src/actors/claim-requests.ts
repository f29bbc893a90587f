/**
 * Claim calls with names, so that a lost answer loses no job. Every `claim` and `claimLane`
 * carries a request id; when a call fails (it may have claimed jobs before its answer was lost),
 * its id is kept, and the next claim first asks the queue to `reclaim` it, taking over the jobs
 * it holds (see the README's "Faults at the ports"). A queue without `reclaim` is asked nothing.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Claim, IQueue } from '../adapters/ports.js';
import type { LaneRef } from '../types.js';

/**
 * Unanswered calls kept at most; past it the oldest is forgotten, and a durable queue's reaper
 * returns its jobs (only a queue failing for many minutes gets there).
 */
const MAX_UNANSWERED = 1_024;

export class ClaimRequests {
  readonly #queue: IQueue;
  readonly #runnerId: string;
  // Request ids: a random prefix per runtime and a counter, unique without a UUID per call.
  readonly #prefix = randomUUID();
  #count = 0;
  readonly #unanswered: string[] = [];

  constructor(queue: IQueue, runnerId: string) {
    this.#queue = queue;
    this.#runnerId = runnerId;
  }

  /** Whether calls that failed wait to be reclaimed (a claim should come soon). */
  get unanswered(): boolean {
    return this.#unanswered.length > 0;
  }

  /**
   * The claims of calls that went unanswered, if any: the first `limit` of them, the others passed
   * to `surplus` (to be released: they hold no slot); else up to `limit` new claims.
   */
  async claim(limit: number, surplus: (claims: Claim[]) => void): Promise<Claim[]> {
    const reclaimed = await this.#reclaim();
    if (reclaimed.length > 0) {
      if (reclaimed.length > limit) surplus(reclaimed.slice(limit));
      return reclaimed.slice(0, limit);
    }
    return this.#named((request) => this.#queue.claim(this.#runnerId, limit, request));
  }

  /**
   * Asks for the head of `lane` (the queue has `claimLane`), then calls `then` with it (or
   * undefined) or `failed` with the error, passing `context` along. Callbacks instead of a
   * promise: this runs once per batched job, and callers pass callbacks they made once, so a call
   * costs the queue's promise and one reaction (README: Performance).
   */
  claimLane<C>(
    lane: LaneRef,
    context: C,
    then: (claim: Claim | undefined, context: C) => void,
    failed: (error: unknown, context: C) => void,
  ): void {
    const claimLane = this.#queue.claimLane as NonNullable<IQueue['claimLane']>;
    const request = this.#nextRequest();
    let answer: Promise<Claim | undefined>;
    try {
      answer = claimLane.call(this.#queue, this.#runnerId, lane, request);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (claim) => then(claim, context),
      (error: unknown) => {
        this.#unansweredCall(request);
        failed(error, context);
      },
    );
  }

  /**
   * The claims of the oldest unanswered call that holds any (one call at a time, so a failing
   * reclaim loses nothing found before it); the call stays unanswered while its reclaim fails.
   */
  async #reclaim(): Promise<Claim[]> {
    const reclaim = this.#queue.reclaim;
    if (reclaim === undefined) return [];
    while (this.#unanswered.length > 0) {
      const claims = await reclaim.call(this.#queue, this.#runnerId, this.#unanswered[0]!);
      this.#unanswered.shift();
      if (claims.length > 0) return claims;
    }
    return [];
  }

  #nextRequest(): string {
    return `${this.#prefix}.${++this.#count}`;
  }

  /** A call failed: it may have claimed jobs before its answer was lost; the next claim reclaims it. */
  #unansweredCall(request: string): void {
    if (this.#queue.reclaim === undefined) return;
    this.#unanswered.push(request);
    if (this.#unanswered.length > MAX_UNANSWERED) this.#unanswered.shift();
  }

  // Not `async`: an async frame is one promise more.
  #named<T>(call: (request: string) => Promise<T>): Promise<T> {
    const request = this.#nextRequest();
    const failed = (error: unknown): Promise<never> => {
      this.#unansweredCall(request);
      return Promise.reject(error);
    };
    let answer: Promise<T>;
    try {
      answer = call(request);
    } catch (error) {
      return failed(error);
    }
    return answer.catch(failed);
  }
}
