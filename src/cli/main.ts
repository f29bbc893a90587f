/**
 * The main command (`npm start`): runs a seeded workload through seriatim with live progress, a
 * summary and a verification of every lane. `npm start -- --help` lists the options.
 *
 * Ctrl-C once: stop claiming, let running attempts finish, print the summary so far, exit 130.
 * Twice: abort running attempts as well (their jobs go back to the queue). Three times: exit now.
 * SIGTERM and SIGHUP stop the same way (exit 143 and 129).
 * @module
 */
import { StorageUnavailableError } from '../errors.js';
import { parseCliArgs, USAGE, UsageError } from './args.js';
import { runHandlerWorkload } from './handler-run.js';
import { runMain } from './run.js';

/** Signals this close together are one key press (a group signal plus npm's forwarded copy). */
const SAME_PRESS_MS = 150;

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`seriatim: ${error.message}\nRun with --help for the options.\n`);
    return error.exitCode;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const interrupt = new AbortController();
  const force = new AbortController();
  let signals = 0;
  let exitCode = 130;
  let lastSignalAt = Number.NEGATIVE_INFINITY;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive twice: the terminal signals the whole process group, and `npm start`
    // forwards what it receives to its child as well. Signals closer together than a person can
    // press keys count as one press.
    const now = performance.now();
    if (now - lastSignalAt < SAME_PRESS_MS) return;
    lastSignalAt = now;
    signals += 1;
    if (signals === 1) {
      exitCode = signal === 'SIGINT' ? 130 : 128 + (signal === 'SIGTERM' ? 15 : 1);
      interrupt.abort();
    } else if (signals === 2) {
      process.stderr.write('\nforcing stop: aborting running attempts (their jobs stay queued)…\n');
      force.abort();
    } else process.exit(exitCode);
  };
  // SIGTERM (service managers) and SIGHUP (a closed terminal) stop as gracefully as Ctrl-C: a
  // process killed mid-run leaves its claims to the reaper, which waits for them to go stale.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  // A closed terminal or pipe must not turn the graceful stop into a crash.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const run = parsed.options.workload === 'handlers' ? runHandlerWorkload : runMain;
  const code = await run(parsed.options, {
    stdout: process.stdout,
    stderr: process.stderr,
    interrupt: interrupt.signal,
    force: force.signal,
  });
  return code === 130 ? exitCode : code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A storage that cannot be opened is the user's to fix: its message, not a stack trace.
    const text =
      error instanceof StorageUnavailableError
        ? error.message
        : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`seriatim: ${text}\n`);
    process.exit(1);
  },
);
