/**
 * Shared by the multi-process tests of the durable adapters: the counter workload they enqueue
 * and a condition poller (polls the database, never sleeps on a guess).
 */
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
