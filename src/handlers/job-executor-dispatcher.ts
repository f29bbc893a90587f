/**
 * The executor the runtime calls: sends each job to the executor of its kind, document jobs to the
 * document executor, handler jobs to the handler executor (README: Handler jobs). Both run
 * through the same queue, supervisor and lane machine; only the attempt differs.
 * @internal
 * @module
 */
import type { IJobExecutor, Job, JobExecutionConfig, JobResult } from '../types.js';
import { isHandlerJob } from './handler-lanes.js';

export class JobExecutorDispatcher implements IJobExecutor {
  constructor(
    private readonly documents: IJobExecutor,
    private readonly handlers: IJobExecutor,
  ) {}

  execute(job: Job, config?: JobExecutionConfig, signal?: AbortSignal): Promise<JobResult> {
    return (isHandlerJob(job) ? this.handlers : this.documents).execute(job, config, signal);
  }
}
