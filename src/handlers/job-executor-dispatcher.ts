/**
 * The executor the runtime calls: sends each job to the executor of its kind, document jobs to the
 * document executor, handler jobs to the handler executor (README: Handler jobs). Both run
 * through the same queue, supervisor and lane machine; only the attempt differs.
 * @module
 */
import type { IJobExecutor, Job, JobExecutionConfig, JobResult } from '../types.js';
import { isHandlerJob } from './handler-lanes.js';

export class JobExecutorDispatcher implements IJobExecutor {
  constructor(
    private readonly documents: IJobExecutor,
    private readonly handlers: IJobExecutor,
  ) {}

  // Every argument goes on as it came, whatever the runtime passes after the signal.
  execute(
    job: Job,
    config?: JobExecutionConfig,
    signal?: AbortSignal,
    ...rest: unknown[]
  ): Promise<JobResult> {
    const executor = isHandlerJob(job) ? this.handlers : this.documents;
    return Reflect.apply(executor.execute, executor, [job, config, signal, ...rest]);
  }
}
