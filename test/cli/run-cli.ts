/** Runs the main command as a child process (node + tsx), collecting its output. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether the SQLite adapter has landed (the main command falls back to memory without it). */
export const sqliteAvailable = existsSync(
  new URL('../../src/adapters/sqlite/index.ts', import.meta.url),
);

export type CliRun = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
};

export function startCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    err += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

export async function runCli(args: string[]) {
  const run = startCli(args);
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The `N operations` of a passed verification line. */
export function verifiedOperations(stdout: string): number | undefined {
  const match = /verification: passed — (\d+) lanes, (\d+) operations/.exec(stdout);
  return match ? Number(match[2]) : undefined;
}
