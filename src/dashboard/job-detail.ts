/**
 * A job as an operator looks at it: its lanes (and where it stands in each), attempts, last
 * error, and the operations it wrote. Built from the ports every storage has (`queue.get`,
 * `store.findOperations`), so it works on every backend (README, Dashboard).
 * @module
 */
import type { IOperationStore, IQueue, QueuedJob } from '../adapters/ports.js';
import { operationId } from '../document/operation-id.js';
import type { LaneRef, Operation } from '../types.js';

/** What `jobDetail` reports. */
export type JobDetail = {
  job: QueuedJob;
  /** The job's lanes. */
  lanes: LaneRef[];
  /** The operations of the job's actions found stored, in action order. */
  operations: Operation[];
};

/** The detail of one job, or undefined for an unknown id. */
export async function jobDetail(
  queue: IQueue,
  store: IOperationStore,
  jobId: string,
): Promise<JobDetail | undefined> {
  const job = await queue.get(jobId);
  if (job === undefined) return undefined;
  const actions = job.actions ?? [];
  const refs = actions.map((action) => ({
    scope: action.scope,
    id: operationId(job.documentId, action.scope, job.branch, action.id),
  }));
  const found = refs.length > 0 ? await store.findOperations(job.documentId, job.branch, refs) : [];
  const operations = found.filter((op): op is Operation => op !== undefined);
  const lanes = job.scopes.map((scope) => ({
    documentId: job.documentId,
    scope,
    branch: job.branch,
  }));
  return { job, lanes, operations };
}
