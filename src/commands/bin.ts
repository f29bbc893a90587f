#!/usr/bin/env node
/**
 * `npx seriatim <command>`: the operator commands (README: Dashboard). `seriatim --help` lists
 * them.
 * @module
 */
import { StorageUnavailableError } from '../errors.js';
import { runOperator } from './operator.js';
import { OperatorUsageError, parseOperatorArgs } from './operator-args.js';

async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseOperatorArgs>;
  try {
    args = parseOperatorArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof OperatorUsageError)) throw error;
    process.stderr.write(`seriatim: ${error.message}\nRun seriatim --help for the commands.\n`);
    return error.exitCode;
  }
  const interrupted = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  return runOperator(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    now: Date.now,
    interrupted,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const name = (error as Error | null)?.name;
    const text =
      error instanceof StorageUnavailableError || name === 'MissingDependencyError'
        ? (error as Error).message
        : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`seriatim: ${text}\n`);
    process.exitCode = 1;
  },
);
