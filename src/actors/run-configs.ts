/**
 * Resolves each job's run settings (`JobRunConfig`) from the executor options and the job.
 * @internal
 * @module
 */
import type { JobRunConfig } from '../machines/protocol.js';
import type { ResolvedExecutorOptions } from '../options.js';
import type { Job } from '../types.js';

export class RunConfigs {
  /** Shared by every job that does not set its own `maxRetries` (lanes never mutate it). */
  private shared: { options: ResolvedExecutorOptions; config: JobRunConfig } | undefined;

  constructor(private readonly syncEnabled: boolean) {}

  for(job: Job, options: ResolvedExecutorOptions): JobRunConfig {
    const shared = this.shared;
    if (job.maxRetries === undefined && shared !== undefined && shared.options === options) {
      return shared.config;
    }
    const config: JobRunConfig = {
      jobTimeout: options.jobTimeout,
      retryBaseDelay: options.retryBaseDelay,
      retryMaxDelay: options.retryMaxDelay,
      maxRetries: job.maxRetries ?? options.maxRetries,
      syncEnabled: this.syncEnabled,
    };
    if (job.maxRetries === undefined) this.shared = { options, config };
    return config;
  }
}
