import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOperationStore } from '../../src/adapters/memory/memory-operation-store.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { EventHandler, IEventBus, Storage } from '../../src/adapters/ports.js';
import { parseCliArgs } from '../../src/cli/args.js';
import { runMain } from '../../src/cli/run.js';
import { runCli, sqliteAvailable, startCli, verifiedOperations } from './run-cli.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

const ARGS = ['--documents', '10', '--jobs', '1500', '--concurrency', '8', '--fault-rate', '0.05'];

describe('main command: resume', () => {
  it('resumes an interrupted run over the same storage: nothing lost, nothing applied twice', async () => {
    const parsed = parseCliArgs(['--storage', 'memory', ...ARGS]);
    if (parsed.help) throw new Error('unexpected help');
    // The reference: one uninterrupted run.
    const reference = collector();
    expect(
      await runMain(parsed.options, { stdout: reference.stream, stderr: collector().stream }),
    ).toBe(0);
    const expectedOperations = verifiedOperations(reference.text());
    expect(expectedOperations).toBeGreaterThan(1500);

    // One memory storage shared by two runs; its queue publishes on the current run's bus.
    let bus: IEventBus | undefined;
    const relay = {
      publish(type: number, payload: unknown) {
        bus?.publish(type, payload);
      },
      subscribe(type: number, handler: EventHandler) {
        return bus!.subscribe(type, handler);
      },
    } as IEventBus;
    const store = new MemoryOperationStore();
    const queue = new MemoryQueue({ bus: relay });
    const interrupt = new AbortController();
    let appends = 0;
    const append = store.append.bind(store);
    store.append = (request) => {
      if (++appends === 400) interrupt.abort();
      return append(request);
    };
    const storage: Storage = { queue, store, close: async () => {} };
    const openShared = async (ctx: { bus: IEventBus }) => {
      bus = ctx.bus;
      return { storage, label: 'memory (shared)', durable: true };
    };

    const first = collector();
    const code = await runMain(parsed.options, {
      stdout: first.stream,
      stderr: collector().stream,
      interrupt: interrupt.signal,
      openStorage: openShared,
    });
    expect(code).toBe(130);
    expect(first.text()).toContain('interrupted');
    expect(first.text()).toContain('verification: passed');
    expect(first.text()).toMatch(/PENDING|NOT_ENQUEUED/);

    const second = collector();
    expect(
      await runMain(parsed.options, {
        stdout: second.stream,
        stderr: collector().stream,
        openStorage: openShared,
      }),
    ).toBe(0);
    expect(second.text()).toMatch(/resuming: \d+ of 1510 jobs were enqueued by an earlier run/);
    expect(second.text()).toMatch(/total\s+\d+\s+1510\s+1510/);
    expect(verifiedOperations(second.text())).toBe(expectedOperations);
    expect((await queue.counts()).pending).toBe(0);
  });

  it.skipIf(!sqliteAvailable)(
    'resumes after Ctrl-C (SIGINT) on a SQLite file: exit 130, then the rest, each job applied once',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'seriatim-resume-'));
      const storage = `sqlite:${join(dir, 'main.db')}`;
      const args = ['--documents', '20', '--jobs', '3000', '--concurrency', '8'];
      const reference = await runCli(['--storage', 'memory', ...args]);
      expect(reference.code).toBe(0);

      const first = startCli(['--storage', storage, ...args]);
      // Interrupt once some jobs are done (progress lines come every second on a pipe).
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (/progress: [1-9]\d*\/3020 done/.test(first.stderr())) {
            clearInterval(timer);
            first.child.kill('SIGINT');
            resolve();
          }
        }, 20);
        first.exit.then(() => {
          clearInterval(timer);
          reject(new Error(`exited before the interrupt: ${first.stdout()}${first.stderr()}`));
        });
      });
      expect(await first.exit).toBe(130);
      expect(first.stdout()).toContain('interrupted');
      expect(first.stdout()).toContain('verification: passed');

      const second = await runCli(['--storage', storage, ...args]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/resuming: \d+ of 3020 jobs were enqueued by an earlier run/);
      expect(verifiedOperations(second.stdout)).toBe(verifiedOperations(reference.stdout));
    },
  );
});
