/**
 * Child processes of the multi-process tests: a worker script run with tsx that prints one JSON
 * message per line on stdout (other lines are ignored) and exits when done.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null };

export type ChildWorker = {
  child: ChildProcess;
  /** Settles when the process exits. */
  exit: Promise<ChildExit>;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
};

/** Starts `node --import tsx <script> ...args`; `onMessage` gets each JSON line it prints. */
export function spawnWorker<M>(
  script: string,
  args: string[],
  onMessage: (message: M) => void,
): ChildWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let message: M;
    try {
      message = JSON.parse(line) as M;
    } catch {
      return; // not a protocol line
    }
    onMessage(message);
  });
  const exit = new Promise<ChildExit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, stderr: () => stderr };
}

/** SIGKILLs the workers still running and waits for their exit (a test's clean-up). */
export async function killWorkers(
  workers: { child: ChildProcess; exit: Promise<unknown> }[],
): Promise<void> {
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exit;
    }
  }
}

/** A worker of the `ready` / `done` protocol of sqlite-worker.ts and postgres-worker.ts. */
export type ProtocolWorker<Done> = {
  child: ChildProcess;
  /** Settles on its `ready` line, or when it exits before. */
  ready: Promise<void>;
  /** Settles when the process exits: its exit code or signal, and its `done` line if any. */
  exit: Promise<ChildExit & { done?: Done }>;
  stderr: () => string;
};

/** {@link spawnWorker} for a worker that prints `{ event: 'ready' }` and `{ event: 'done', … }`. */
export function startProtocolWorker<M extends { event: string }>(
  script: string,
  args: string[],
): ProtocolWorker<Extract<M, { event: 'done' }>> {
  type Done = Extract<M, { event: 'done' }>;
  let done: Done | undefined;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const worker = spawnWorker<M>(script, args, (m) => {
    if (m.event === 'ready') onReady();
    if (m.event === 'done') done = m as Done;
  });
  const exit = worker.exit.then((status) => ({ ...status, done }));
  // A child that dies before `ready` must not leave the test waiting on `ready`.
  exit.then(() => onReady());
  return { child: worker.child, ready, exit, stderr: worker.stderr };
}
