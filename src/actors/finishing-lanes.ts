/**
 * Lanes whose last job's outcome is still being written to the queue and published. A claim
 * touching such a lane waits until that outcome is out, so a lane's `jobCompleted` / `jobFailed`
 * always comes before its next `jobStarted` — even when the queue shows the lane free before the
 * acknowledgement of our write arrives (a networked database answering another claim first).
 * @internal
 * @module
 */
import { laneKey } from '../lane-key.js';
import type { Job } from '../types.js';

export class FinishingLanes {
  /** Finishing lanes, with the work waiting for each. */
  private readonly lanes = new Map<string, (() => void)[]>();

  /** The job's outcome is being written: its lanes are finishing until `finished(job)`. */
  finishing(job: Job): void {
    for (const scope of job.scopes) this.lanes.set(laneKey(job.documentId, scope, job.branch), []);
  }

  /** The job's outcome is out: runs what waited for its lanes (in the order it arrived). */
  finished(job: Job): void {
    for (const scope of job.scopes) {
      const key = laneKey(job.documentId, scope, job.branch);
      const waiting = this.lanes.get(key);
      if (waiting === undefined) continue;
      this.lanes.delete(key);
      for (const work of waiting) work();
    }
  }

  /** The work list of the first of the job's lanes that is finishing, if any: push to wait. */
  waitingFor(job: Job): (() => void)[] | undefined {
    if (this.lanes.size === 0) return undefined;
    for (const scope of job.scopes) {
      const waiting = this.lanes.get(laneKey(job.documentId, scope, job.branch));
      if (waiting !== undefined) return waiting;
    }
    return undefined;
  }
}
