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
