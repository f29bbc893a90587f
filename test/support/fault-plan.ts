/** The fault-injection suite's workload and fault rates, shared by its adapter files. */
import type { FaultRunOptions } from './fault-run.js';

const SOAK = process.env.SERIATIM_SOAK === '1';

/** The fixed seed of a file, or `SERIATIM_FAULT_SEED` when set (to reproduce a reported run). */
export function faultSeed(fixed: number): number {
  const given = process.env.SERIATIM_FAULT_SEED;
  return given === undefined || given === '' ? fixed : Number(given);
}

const documents = SOAK ? 160 : 80;
const jobsPerDocument = SOAK ? 126 : 63;
const JOB_TIMEOUT = 1_000;

export const FAULT_RUN = {
  jobs: documents * jobsPerDocument,
  lanes: documents * 3, // global, local, document
  timeout: SOAK ? 3_600_000 : 300_000,
  options: {
    documents,
    jobsPerDocument,
    maxRetries: 4,
    stops: 4,
    plan: {
      failBefore: SOAK ? 0.1 : 0.05,
      failAfter: SOAK ? 0.1 : 0.05,
      delay: 0.03,
      shortDelay: JOB_TIMEOUT / 2,
      longDelayShare: 0.1,
      longDelay: JOB_TIMEOUT * 1.5,
    },
    config: {
      maxConcurrency: 8,
      jobTimeout: JOB_TIMEOUT,
      retryBaseDelay: 50,
      retryMaxDelay: 2_000,
    },
  } satisfies Omit<FaultRunOptions, 'open' | 'seed'>,
};
