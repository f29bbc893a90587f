/**
 * The fatal path's sync effect: pulls a job's missing history (the configured `resync`), then
 * tells the lane `sync.done`, or `sync.failed` with a `REBASE_FAILED` error wrapping the cause.
 * @internal
 * @module
 */
import { JobError, type JobErrorCode, JobErrorCodes, toJobError } from '../errors.js';
import type { LaneEvent } from '../machines/protocol.js';
import type { Job } from '../types.js';

type LaneSelf = { send(event: LaneEvent): void };

export function runResync(resync: (job: Job) => Promise<unknown>, job: Job, lane: LaneSelf): void {
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
