/**
 * The SIGKILL run shared by the multi-process handler tests: three handler workers start on the
 * enqueued jobs, the victim is killed once a fifth of them completed while it holds claims, and
 * the two survivors must finish everything without an error or a failed job.
 */
import { expect } from 'vitest';
import type { ProtocolWorker } from './child-worker.js';
import type { HandlerWorkerMessage } from './handler-worker.js';
import { waitUntil } from './multiprocess-workload.js';
import { query } from './postgres.js';

type Worker = ProtocolWorker<Extract<HandlerWorkerMessage, { event: 'done' }>>;

/** Runs it; resolves with the ids the victim held when it was killed (at least one) and the survivors' exits. */
export async function killOneOfThreeWorkers(options: {
  schema: string;
  jobs: number;
  timeout: number;
  start: (runnerId: string) => Worker;
}): Promise<{ orphaned: Set<string>; exits: Awaited<Worker['exit']>[] }> {
  const { schema, jobs, timeout, start } = options;
  const victim = start('victim');
  const survivors = [start('survivor-1'), start('survivor-2')];
  const all = [victim, ...survivors];
  await Promise.all(all.map((worker) => worker.ready));
  for (const worker of all) worker.child.stdin?.write('go\n');

  const victimClaims = async () =>
    (
      await query<{ id: string }>(
        schema,
        "SELECT id FROM jobs WHERE status = 'RUNNING' AND runner_id = 'victim'",
      )
    ).map((row) => row.id);
  await waitUntil(
    async () => {
      const [done] = await query<{ n: number }>(
        schema,
        "SELECT count(*)::int AS n FROM jobs WHERE status = 'COMPLETED'",
      );
      return (done?.n ?? 0) >= jobs / 5 && (await victimClaims()).length > 0;
    },
    'the victim holds claims after a fifth of the jobs',
    timeout,
  );
  victim.child.kill('SIGKILL');
  expect((await victim.exit).signal).toBe('SIGKILL');
  const orphaned = new Set(await victimClaims());
  expect(orphaned.size).toBeGreaterThan(0);

  const exits = await Promise.all(survivors.map((worker) => worker.exit));
  exits.forEach((exit, i) => {
    expect(exit.code, survivors[i]?.stderr()).toBe(0);
    expect(exit.done?.errors).toEqual([]);
    expect(exit.done?.failed).toBe(0);
  });
  return { orphaned, exits };
}
