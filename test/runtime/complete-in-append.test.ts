/**
 * Complete inside append: the runtime hands each attempt's claim to the document executor, whose
 * append completes it in the commit that writes the job's operations; the runtime's `complete`
 * afterwards is a no-op success. Through `createReactor` on memory, SQLite and PostgreSQL: a plain
 * run, an append whose answer is lost after its commit, one that fails before it, and one whose
 * claim went stale before it (the job given back to the queue, as the reaper does).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryOperationStore, MemoryQueue } from '../../src/adapters/memory/index.js';
import type { AppendRequest, Storage, StorageContext } from '../../src/adapters/ports.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import { StaleClaimError } from '../../src/errors.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor, type Reactor } from '../../src/index.js';
import type { Job, JobResult } from '../../src/types.js';
import {
  interceptStorage,
  type PortCall,
  type PortInterceptor,
} from '../support/intercepted-ports.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

type Adapter = { name: string; skip: boolean; open(ctx: StorageContext): Storage };

const schemas: string[] = [];
const ADAPTERS: Adapter[] = [
  {
    name: 'memory',
    skip: false,
    open(ctx) {
      const queue = new MemoryQueue({ bus: ctx.bus, clock: ctx.clock });
      return { queue, store: new MemoryOperationStore({ claims: queue }), close: async () => {} };
    },
  },
  {
    name: 'sqlite',
    skip: false,
    open(ctx) {
      const path = tempDbPath('seriatim-append-claim-');
      const storage = createSqliteStorage(path, ctx);
      return { ...storage, close: () => storage.close().then(() => removeDb(path)) };
    },
  },
  {
    name: 'postgres',
    skip: !hasPostgres,
    open(ctx) {
      const schema = schemaName('append_claim');
      schemas.push(schema);
      return openStorage(schema, ctx);
    },
  },
];

afterAll(async () => {
  if (!hasPostgres) return;
  for (const schema of schemas) await dropSchema(schema);
  await closeAdmin();
});

const DOCUMENTS = ['doc-a', 'doc-b', 'doc-c'];
const JOBS_PER_DOCUMENT = 8;

type Run = {
  reactor: Reactor;
  /** The storage as opened, without the interceptor. */
  raw: Storage;
  /** Appends by job id (matched by the claim they carry), in call order. */
  appends: AppendRequest[];
};

/** A reactor on `adapter` whose ports pass through `interceptor` (given the raw storage). */
async function open(
  adapter: Adapter,
  interceptor: (raw: Storage) => PortInterceptor = () => ({}),
): Promise<Run> {
  const appends: AppendRequest[] = [];
  let raw: Storage | undefined;
  const reactor = await createReactor({
    models: [counterModel],
    storage: (ctx) => {
      raw = adapter.open(ctx);
      const inner = interceptor(raw);
      return interceptStorage(raw, {
        ...inner,
        before(call) {
          if (isAppend(call)) appends.push(call.args[0] as AppendRequest);
          return inner.before?.(call);
        },
      });
    },
    config: { retryBaseDelay: 1, retryMaxDelay: 1 },
    onError: () => {},
  });
  await reactor.start({ maxConcurrency: 4 });
  return { reactor, raw: raw as Storage, appends };
}

function isAppend(call: PortCall): boolean {
  return call.port === 'store' && call.method === 'append';
}

/** The id of the job whose claim an append carries. */
function claimedJob(call: PortCall): string | undefined {
  return isAppend(call) ? (call.args[0] as AppendRequest).claim?.jobId : undefined;
}

/** Creates the documents, then submits `JOBS_PER_DOCUMENT` increments per document. */
async function submitAll(reactor: Reactor): Promise<Job[]> {
  for (const documentId of DOCUMENTS) {
    const create = await reactor.createDocument({
      documentId,
      documentType: counterModel.documentType,
    });
    await reactor.manager.watch(create.id);
  }
  const jobs: Job[] = [];
  for (let i = 0; i < JOBS_PER_DOCUMENT; i++) {
    for (const documentId of DOCUMENTS) {
      jobs.push(
        await reactor.submit({
          id: `${documentId}/${i}`,
          documentId,
          scopes: ['global'],
          actions: [counterActions.increment(i + 1)],
        }),
      );
    }
  }
  return jobs;
}

/** Every job completed once, with `attempts`, and each lane holds its operations once, in order. */
async function expectAllStoredOnce(
  run: Run,
  jobs: Job[],
  results: JobResult[],
  attempts: (job: Job) => number = () => 1,
): Promise<void> {
  expect(results.every((result) => result.success)).toBe(true);
  for (const job of jobs) {
    expect(await run.raw.queue.get(job.id)).toMatchObject({
      status: 'COMPLETED',
      attempts: attempts(job),
    });
  }
  for (const documentId of DOCUMENTS) {
    const operations = await run.raw.store.getOperations(documentId, 'global', 'main');
    const expected = jobs.filter((job) => job.documentId === documentId);
    expect(operations.map((operation) => operation.index)).toEqual(expected.map((_, i) => i));
    expect(operations.map((operation) => operation.action.id)).toEqual(
      expected.map((job) => job.actions[0]?.id),
    );
    const sum = (JOBS_PER_DOCUMENT * (JOBS_PER_DOCUMENT + 1)) / 2;
    expect(await run.reactor.getState(documentId, 'global')).toMatchObject({ count: sum });
  }
  expect(await run.raw.queue.counts()).toMatchObject({ pending: 0, running: 0 });
}

function watchAll(run: Run, jobs: Job[]): Promise<JobResult[]> {
  return Promise.all(jobs.map((job) => run.reactor.manager.watch(job.id)));
}

/** Counts the manager's events per job id. */
function countEvents(reactor: Reactor, name: 'jobCompleted' | 'jobRetry'): Map<string, number> {
  const counts = new Map<string, number>();
  reactor.manager.on(name, ({ job }: { job: Job }) => {
    counts.set(job.id, (counts.get(job.id) ?? 0) + 1);
  });
  return counts;
}

const transient = () => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

describe('complete inside append', () => {
  for (const adapter of ADAPTERS) {
    describe.skipIf(adapter.skip)(adapter.name, () => {
      it('completes each job in the commit of its operations, once, in lane order', async () => {
        const statusAfterAppend: string[] = [];
        const run = await open(adapter, (raw) => ({
          async after(call) {
            const jobId = claimedJob(call);
            // The append answered: its commit completed the job already.
            if (jobId !== undefined) statusAfterAppend.push((await raw.queue.get(jobId))!.status);
          },
        }));
        try {
          const completed = countEvents(run.reactor, 'jobCompleted');
          const jobs = await submitAll(run.reactor);
          const results = await watchAll(run, jobs);

          await expectAllStoredOnce(run, jobs, results);
          for (const job of jobs) expect(completed.get(job.id)).toBe(1);
          // Every job's append carried its claim and the attempts to store.
          const claims = run.appends.map((request) => request.claim);
          expect(claims.every((claim) => claim !== undefined && claim.attempts === 1)).toBe(true);
          expect(statusAfterAppend).toHaveLength(jobs.length + DOCUMENTS.length);
          expect(new Set(statusAfterAppend)).toEqual(new Set(['COMPLETED']));
        } finally {
          await run.reactor.close();
        }
      });

      it('reports a job completed once when its append committed and the answer was lost', async () => {
        const lost = 'doc-b/3';
        const run = await open(adapter, () => ({
          after(call) {
            if (claimedJob(call) === lost && !lostOnce) {
              lostOnce = true;
              throw transient();
            }
          },
        }));
        let lostOnce = false;
        try {
          const completed = countEvents(run.reactor, 'jobCompleted');
          const retried = countEvents(run.reactor, 'jobRetry');
          const jobs = await submitAll(run.reactor);
          const results = await watchAll(run, jobs);

          expect(lostOnce).toBe(true);
          await expectAllStoredOnce(run, jobs, results);
          const result = results[jobs.findIndex((job) => job.id === lost)];
          expect(result?.metadata?.replayed).toBe(true); // found by the lookup after the lost answer
          expect(completed.get(lost)).toBe(1);
          expect(retried.get(lost)).toBeUndefined();
        } finally {
          await run.reactor.close();
        }
      });

      it('retries an append that failed before its commit, storing both attempts', async () => {
        const failing = 'doc-a/5';
        let failed = false;
        const run = await open(adapter, () => ({
          before(call) {
            if (claimedJob(call) === failing && !failed) {
              failed = true;
              throw transient();
            }
          },
        }));
        try {
          const retried = countEvents(run.reactor, 'jobRetry');
          const jobs = await submitAll(run.reactor);
          const results = await watchAll(run, jobs);

          expect(failed).toBe(true);
          expect(retried.get(failing)).toBe(1);
          await expectAllStoredOnce(run, jobs, results, (job) => (job.id === failing ? 2 : 1));
          // The second attempt's append carried attempts 2: the count the record shows.
          const attempts = run.appends
            .filter((request) => request.claim?.jobId === failing)
            .map((request) => request.claim?.attempts);
          expect(attempts).toEqual([1, 2]);
        } finally {
          await run.reactor.close();
        }
      });

      it('writes nothing with a claim that went stale before the append', async () => {
        const stale = 'doc-c/2';
        let released = false;
        const refusals: unknown[] = [];
        const headsAtRefusal: Promise<number>[] = [];
        const run = await open(adapter, (raw) => ({
          async before(call) {
            const request = call.args[0] as AppendRequest;
            if (claimedJob(call) !== stale || released) return;
            released = true;
            // The claim is taken from this runner, as the reaper does with a stalled one.
            const claim = request.claim!;
            await raw.queue.release({ jobId: claim.jobId, token: claim.token }, 0);
          },
          failed(call, error) {
            if (claimedJob(call) !== stale) return;
            refusals.push(error);
            headsAtRefusal.push(raw.store.getHead('doc-c', 'global', 'main'));
          },
        }));
        try {
          const completed = countEvents(run.reactor, 'jobCompleted');
          const jobs = await submitAll(run.reactor);
          const results = await watchAll(run, jobs);

          expect(released).toBe(true);
          expect(refusals.length).toBeGreaterThanOrEqual(1);
          expect(refusals.every((error) => error instanceof StaleClaimError)).toBe(true);
          // doc-c/2 writes index 2: the refused append left the lane at index 1.
          expect(await Promise.all(headsAtRefusal)).toEqual(refusals.map(() => 1));
          expect(completed.get(stale)).toBe(1);
          const last = run.appends.filter((request) => request.claim?.jobId === stale).at(-1);
          await expectAllStoredOnce(run, jobs, results, (job) =>
            job.id === stale ? (last?.claim?.attempts ?? 0) : 1,
          );
        } finally {
          await run.reactor.close();
        }
      });
    });
  }
});
