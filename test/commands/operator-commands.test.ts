/**
 * The operator commands (`seriatim <command> --storage …`, README: Dashboard) run as a child
 * process against a SQLite file and a PostgreSQL schema holding a halted lane: their output, text
 * and `--json`, and the effect of `skip` and `retry` on the storage.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LanesPage } from '../../src/adapters/lanes-view.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import type { Storage } from '../../src/adapters/ports.js';
import { createSqliteStorage } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/clock.js';
import { jobInput } from '../conformance/fixtures.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  PG_URL,
  schemaName,
} from '../support/postgres.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

/** Runs `seriatim ...args`; resolves with the exit code and output (never rejects on exit ≠ 0). */
async function seriatim(args: string[]) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', 'src/commands/bin.ts', ...args],
      { cwd: ROOT, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `seriatim dashboard ...args --json`; resolves once it printed its address. */
function startDashboardCommand(args: string[], token: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/commands/bin.ts', 'dashboard', '--port', '0', '--json', ...args],
    { cwd: ROOT, env: { ...process.env, SERIATIM_DASHBOARD_TOKEN: token } },
  );
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = new Promise<{ url: string; token?: string }>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line));
    });
    child.on('close', (code) => reject(new Error(`dashboard exited ${code}: ${err}`)));
  });
  return { child, exit, started };
}

/** a/global: a1 halted (IO_ERROR 90006, "disk on fire") then a2; b/global: b1 pending. */
async function haltedLane(storage: Storage): Promise<void> {
  const { queue } = storage;
  await queue.enqueue(jobInput('a', ['global'], { id: 'a1' }));
  await queue.enqueue(jobInput('a', ['global'], { id: 'a2' }));
  await queue.enqueue(jobInput('b', ['global', 'local'], { id: 'b1' }));
  const claims = await queue.claim('r', 1);
  const claim = claims[0];
  if (claim?.job.id !== 'a1') throw new Error('expected a1 claimed');
  await queue.fail(
    { jobId: 'a1', token: claim.token },
    { attempts: 1, errorCode: 90006, errorMessage: 'disk on fire', halt: true },
  );
}

type Backend = {
  name: string;
  skip: boolean;
  open(): Promise<{ storage: Storage; flag: string[]; cleanup(): Promise<void> }>;
};

const backends: Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const path = tempDbPath();
      const storage = createSqliteStorage(path, {
        bus: new MemoryEventBus(),
        clock: systemClock,
        runnerId: 'setup',
      });
      return {
        storage,
        flag: ['--storage', `sqlite:${path}`],
        async cleanup() {
          await storage.close();
          removeDb(path);
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: !hasPostgres,
    async open() {
      const schema = schemaName('ops');
      const storage = openStorage(schema);
      await storage.migrate();
      return {
        storage,
        flag: ['--storage', `postgres:${PG_URL}`, '--schema', schema],
        async cleanup() {
          await storage.close();
          await dropSchema(schema);
        },
      };
    },
  },
];

afterAll(async () => {
  if (hasPostgres) await closeAdmin();
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`operator commands: ${backend.name}`, () => {
    let fx: Awaited<ReturnType<Backend['open']>>;
    beforeEach(async () => {
      fx = await backend.open();
      await haltedLane(fx.storage);
    });
    afterEach(() => fx.cleanup());

    it('status: counts, oldest pending, blocked lanes with their error (text and --json)', async () => {
      const text = await seriatim(['status', ...fx.flag]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(
        'jobs: 2 pending (0 retrying), 0 running, 0 completed, 1 failed',
      );
      expect(text.stdout).toContain('lanes with work: 3, blocked: 1');
      expect(text.stdout).toMatch(/oldest pending: a2, waiting /);
      expect(text.stdout).toContain('a/global/main  job a1  IO_ERROR (90006): disk on fire');

      const json = await seriatim(['status', '--json', ...fx.flag]);
      expect(json.code).toBe(0);
      const status = JSON.parse(json.stdout);
      expect(status).toMatchObject({
        counts: { pending: 2, running: 0, completed: 0, failed: 1 },
        lanesWithWork: 3,
        blockedLanes: 1,
        oldestPending: { jobId: 'a2' },
        blocked: [{ documentId: 'a', scope: 'global', jobId: 'a1', errorCode: 90006 }],
      });
    });

    it('lanes --blocked, job, then skip: the lane moves on to its next job', async () => {
      const blocked = JSON.parse(
        (await seriatim(['lanes', '--blocked', '--json', ...fx.flag])).stdout,
      );
      expect(blocked.total).toBe(1);
      expect(blocked.lanes[0]).toMatchObject({
        documentId: 'a',
        backlog: 2,
        head: { jobId: 'a1', halted: true, errorMessage: 'disk on fire' },
      });
      const lanesText = await seriatim(['lanes', ...fx.flag]);
      expect(lanesText.stdout).toMatch(
        /a\/global\/main {2}backlog 2 {2}head a1 {2}BLOCKED IO_ERROR/,
      );
      expect(lanesText.stdout).toContain('head b1 (holds 2 lanes)');
      expect(lanesText.stdout).toContain('lanes 1–3 of 3');

      const job = await seriatim(['job', 'a1', ...fx.flag]);
      expect(job.code).toBe(0);
      expect(job.stdout).toContain('job a1: FAILED (halted: its lanes are blocked)');
      expect(job.stdout).toContain('last error: IO_ERROR (90006): disk on fire');
      expect(job.stdout).toContain('operations written: 0');

      const skip = await seriatim(['skip', 'a1', ...fx.flag]);
      expect(skip.code).toBe(0);
      expect(skip.stdout).toContain('job a1: skipped');
      expect(await fx.storage.queue.blockedLanes()).toEqual([]);
      const page = await fx.storage.queue.lanes?.();
      expect(page?.lanes[0]?.head.jobId).toBe('a2');

      const again = await seriatim(['skip', 'a1', ...fx.flag]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/a1/);
    });

    it('retry puts the halted job back to pending in its place', async () => {
      const retry = await seriatim(['retry', 'a1', '--json', ...fx.flag]);
      expect(retry.code).toBe(0);
      expect(JSON.parse(retry.stdout)).toEqual({ jobId: 'a1', done: 'retry' });
      const job = await fx.storage.queue.get('a1');
      expect(job).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(job?.halted).toBeFalsy();
    });

    it('dashboard serves the storage on 127.0.0.1; with --allow-writes and the token, skip moves the lane on', async () => {
      const run = startDashboardCommand(['--allow-writes', ...fx.flag], 'tok3n');
      const { url, token } = await run.started;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(token).toBe('tok3n');
      const blocked = (await (await fetch(`${url}/api/lanes?blocked=1`)).json()) as LanesPage;
      expect(blocked.lanes.map((lane) => lane.head.jobId)).toEqual(['a1']);
      const skip = `${url}/api/jobs/a1/skip`;
      expect((await fetch(skip, { method: 'POST' })).status).toBe(401);
      const ok = await fetch(skip, { method: 'POST', headers: { authorization: 'Bearer tok3n' } });
      expect(ok.status).toBe(200);
      expect(await fx.storage.queue.blockedLanes()).toEqual([]);
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(0);
    });

    it('job with an unknown id exits 1 naming it; migrate succeeds on a migrated storage', async () => {
      const unknown = await seriatim(['job', 'nope', ...fx.flag]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no job with id "nope"');
      const migrate = await seriatim(['migrate', ...fx.flag]);
      expect(migrate.code).toBe(0);
      expect(migrate.stdout).toContain('schema up to date');
    });
  });
}

describe('operator command line', () => {
  it('names a bad argument and exits 2; prints the commands with --help', async () => {
    const missing = await seriatim(['status']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--storage is required');
    const unknown = await seriatim(['frobnicate', '--storage', 'sqlite:x.db']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const help = await seriatim(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('lanes               lanes with work');
  });

  it('refuses a SQLite path with no database, naming it', async () => {
    const result = await seriatim(['status', '--storage', 'sqlite:/nonexistent/queue.db']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No SQLite database at /nonexistent/queue.db');
  });
});
