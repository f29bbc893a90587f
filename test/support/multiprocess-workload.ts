/**
 * Shared by the multi-process tests of the durable adapters: the counter workload they enqueue
 * and a condition poller (polls the database, never sleeps on a guess).
 */

import type { IQueue } from '../../src/adapters/ports.js';
import { createDocumentJob } from '../../src/document/create-action.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import type { Action, JobInput } from '../../src/types.js';

/** `doc-007` for 7: the document ids of the workload. */
export function documentName(d: number): string {
  return `doc-${String(d).padStart(3, '0')}`;
}

/**
 * Per document a CREATE_DOCUMENT job (lanes global, local, document), then counter jobs on
 * `global`, on `local`, or on both (two actions, one per lane). Jobs of different documents are
 * interleaved in the enqueue order.
 */
export function counterWorkload(documents: number, jobsPerDocument: number): JobInput[] {
  const { documentType, scopes } = counterModel;
  const perDocument: JobInput[][] = [];
  for (let d = 0; d < documents; d++) {
    const documentId = documentName(d);
    const jobs: JobInput[] = [createDocumentJob({ documentId, documentType, scopes })];
    for (let j = 1; j < jobsPerDocument; j++) {
      const kind = (d + j) % 3;
      const actions: Action[] =
        kind === 0
          ? [counterActions.increment(j, 'global')]
          : kind === 1
            ? [counterActions.increment(j, 'local')]
            : [counterActions.increment(j, 'global'), counterActions.increment(1, 'local')];
      jobs.push({ documentId, scopes: [...new Set(actions.map((a) => a.scope))], actions });
    }
    perDocument.push(jobs);
  }
  const interleaved: JobInput[] = [];
  for (let j = 0; j < jobsPerDocument; j++) {
    for (const jobs of perDocument) interleaved.push(jobs[j] as JobInput);
  }
  return interleaved;
}

/** Resolves once `check()` holds, polling every 20 ms; fails after `timeout` ms. */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeout: number,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A job of {@link crashWorkload}: its input (with its id) and how it must end: `'COMPLETED'`, or
 * the name of the code it must fail with (`'LIBRARY_ERROR'`).
 */
export type CrashJob = { input: JobInput & { id: string }; expect: string };

/**
 * {@link counterWorkload} with job ids `job-<n>` (in enqueue order) and room for many reaps
 * (`maxRetries`: a job running at several kills is not failed for its reaped attempts). Every
 * `rejectEvery`-th job, when it is a single increment, sets a label without one instead: its
 * reducer throws, the job fails for good with `LIBRARY_ERROR` (so `queue.fail` runs), writes
 * nothing, and the lane goes on.
 */
export function crashWorkload(
  documents: number,
  jobsPerDocument: number,
  { rejectEvery = 50, maxRetries = 50 }: { rejectEvery?: number; maxRetries?: number } = {},
): CrashJob[] {
  return counterWorkload(documents, jobsPerDocument).map((input, n): CrashJob => {
    const id = `job-${n}`;
    const [action] = input.actions;
    if (n % rejectEvery === 0 && input.actions.length === 1 && action?.type === 'INCREMENT') {
      const rejected: Action = { ...action, type: 'SET_LABEL', input: {} };
      return { input: { ...input, id, maxRetries, actions: [rejected] }, expect: 'LIBRARY_ERROR' };
    }
    return { input: { ...input, id, maxRetries }, expect: 'COMPLETED' };
  });
}

/**
 * Enqueues `inputs` in `enqueueMany` batches of `batchSize`, in order, each once fewer than
 * `lowWater` jobs are pending (so that enqueueing goes on through the run, as a live producer's
 * would), skipping the batches whose first job is in the queue already: a producer restarted after
 * a crash goes on where it stopped. A batch is all or nothing, so the batches in the queue are a
 * prefix; one that is there in part (or a later one without an earlier one) makes `enqueueMany`
 * refuse a duplicate id, or leaves jobs never enqueued, which the audit reports.
 */
export async function enqueueMissing(
  queue: IQueue,
  inputs: readonly (JobInput & { id: string })[],
  { batchSize, lowWater }: { batchSize: number; lowWater: number },
): Promise<void> {
  for (let i = 0; i < inputs.length; i += batchSize) {
    const batch = inputs.slice(i, i + batchSize);
    if ((await queue.get((batch[0] as JobInput & { id: string }).id)) !== undefined) continue;
    while ((await queue.counts()).pending >= lowWater) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await queue.enqueueMany(batch);
  }
}

/**
 * The workers' error lines (see sqlite-worker.ts) that are not the `LIBRARY_ERROR` failure of a
 * job built to fail.
 */
export function unexpectedErrors(errors: readonly string[], jobs: readonly CrashJob[]): string[] {
  const rejected = new Set(jobs.filter((j) => j.expect !== 'COMPLETED').map((j) => j.input.id));
  return errors.filter((line) => {
    const match = /^job (\S+) failed: LIBRARY_ERROR /.exec(line);
    return !(match && rejected.has(match[1] as string));
  });
}
