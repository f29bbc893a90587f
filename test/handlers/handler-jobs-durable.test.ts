/**
 * Handler jobs on durable storage through the reactor (README: Handler jobs): a handler job
 * pending at close runs after a reopen of the SQLite file; a handler's output is stored with the
 * job, so `watch` in another reactor (a restart, another process on PostgreSQL) returns it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../../src/adapters/postgres/index.js';
import { createReactor, JobErrorCodes, NonRetryableError } from '../../src/index.js';
import { closeAdmin, dropSchema, hasPostgres, PG_URL, schemaName } from '../support/postgres.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const handlers = {
  echo: async (input: { text: string }, { attempt }: { attempt: number }) => ({
    echoed: input.text,
    attempt,
  }),
  reject: () => {
    throw new NonRetryableError('refused');
  },
};

describe('handler jobs on SQLite', () => {
  it('keeps pending handler jobs and outputs across a close and a reopen of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seriatim-handlers-'));
    dirs.push(dir);
    const file = join(dir, 'reactor.db');

    const first = await createReactor({ models: [], storage: { sqlite: file } });
    first.registerHandlers(handlers);
    await first.start();
    const done = await first.submit({ handler: 'echo', input: { text: 'one' }, keys: ['k'] });
    expect(await first.watch(done.id)).toMatchObject({
      success: true,
      output: { echoed: 'one', attempt: 1 },
    });
    await first.stop();
    const pending = await first.submit({ handler: 'echo', input: { text: 'two' }, keys: ['k'] });
    const refused = await first.submit({ handler: 'reject', keys: ['k'] });
    await first.close();

    const second = await createReactor({ models: [], storage: { sqlite: file } });
    second.registerHandlers(handlers);
    // Finished before this reactor: its output comes from the stored job.
    expect(await second.watch(done.id)).toMatchObject({
      success: true,
      output: { echoed: 'one', attempt: 1 },
      job: { handler: 'echo', input: { text: 'one' }, keys: ['k'] },
    });
    expect(await second.queue.get(pending.id)).toMatchObject({
      status: 'PENDING',
      handler: 'echo',
      input: { text: 'two' },
      keys: ['k'],
    });
    await second.start();
    expect(await second.watch(pending.id)).toMatchObject({
      success: true,
      output: { echoed: 'two', attempt: 1 },
    });
    expect(await second.watch(refused.id)).toMatchObject({
      success: false,
      errorCode: JobErrorCodes.HANDLER_FAILED,
    });
    await second.close();
  });
});

describe.skipIf(!hasPostgres)('handler jobs on PostgreSQL', () => {
  afterAll(closeAdmin);

  it('runs a job submitted by one reactor in another, and both watch its stored output', async () => {
    const schema = schemaName('handlers');
    const storage = (runnerId: string) => (ctx: Parameters<typeof createPostgresStorage>[1]) =>
      createPostgresStorage(PG_URL as string, { ...ctx, runnerId }, { schema });
    const producer = await createReactor({ models: [], storage: storage('producer') });
    const worker = await createReactor({ models: [], storage: storage('worker') });
    try {
      producer.registerHandlers(handlers);
      worker.registerHandlers(handlers);
      const jobs = [];
      for (let i = 0; i < 5; i++) {
        jobs.push(
          await producer.submit({
            handler: 'echo',
            input: { text: `m${i}` },
            keys: ['k', `u${i % 2}`],
          }),
        );
      }
      await worker.start({ maxConcurrency: 4 });
      for (const [i, job] of jobs.entries()) {
        expect(await worker.watch(job.id)).toMatchObject({
          success: true,
          output: { echoed: `m${i}` },
        });
        // The producer never ran it: its watch answers from the stored job.
        expect(await producer.watch(job.id)).toMatchObject({
          success: true,
          output: { echoed: `m${i}`, attempt: 1 },
          job: { handler: 'echo', keys: ['k', `u${i % 2}`] },
        });
      }
    } finally {
      await worker.close();
      await producer.close();
      await dropSchema(schema);
    }
  });
});
