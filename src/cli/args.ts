/**
 * Command-line arguments of the main command (`npm start -- --help`).
 * @module
 */
import { parseArgs } from 'node:util';

/** Where the main command keeps jobs and operations. */
export type StorageChoice =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string };

/** The parsed options of the main command. */
export type CliOptions = {
  documents: number;
  jobs: number;
  concurrency: number;
  faultRate: number;
  storage: StorageChoice;
  seed: number;
  /** WebSocket URL of a local inspector bridge, when `--inspect` is given. */
  inspect?: string;
  /** JSONL file for headless inspection, when `--record` is given. */
  record?: string;
  /** Size cap of the `--record` file, in MiB. */
  recordMaxMb: number;
  /** Port of the lanes dashboard (on 127.0.0.1), when `--dashboard` is given. */
  dashboardPort?: number;
  /** `documents` (document jobs) or `handlers` (handler jobs; `--documents` is then the keys). */
  workload: 'documents' | 'handlers';
};

/** What `parseCliArgs` found: options to run with, or a request for the usage text. */
export type ParsedArgs = { help: true } | { help: false; options: CliOptions };

/** A bad command line; the message names the flag. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** The default `--inspect` URL: a local bridge, never a hosted service. */
export const DEFAULT_INSPECT_URL = 'ws://127.0.0.1:8080';
const DEFAULT_STORAGE = 'sqlite:.seriatim/main.db';

export const USAGE = `Usage: npm start -- [options]

Runs a seeded workload of document jobs through seriatim, shows live progress, prints a summary
and verifies every lane (contiguous indexes, hashes equal to a replay with the reducer, every job
applied exactly once, in order). Running it again on the same SQLite file resumes the workload.

Options:
  --documents N       documents to create, half counters, half todo lists    (default 50)
  --jobs N            jobs to run on them, after the creation jobs            (default 5000)
  --concurrency N     attempts running at once (maxConcurrency)               (default 16)
  --fault-rate R      probability in [0, 1] that a store write fails with a transient
                      SQLITE_BUSY (Postgres: 40001), retried as IO_ERROR      (default 0.01)
  --storage S         memory | sqlite:PATH | postgres:URL (or a postgres:// URL)
                      (default ${DEFAULT_STORAGE}; run again on the same file to resume)
  --seed N            seed of the workload and of the injected faults        (default 1)
  --inspect [URL]     send live inspection events to a local inspector bridge
                      (default URL ${DEFAULT_INSPECT_URL}; start it with npm run inspector)
  --record FILE       write inspection events to FILE as JSON lines (headless);
                      npm run inspector -- --replay FILE shows them
  --record-max-mb N   stop recording when the file reaches N MiB             (default 100)
  --dashboard         serve the lanes dashboard of this run on http://127.0.0.1:PORT
  --dashboard-port N  its port, 0 for any free one                           (default 4400)
  --workload W        documents | handlers: handler jobs with simulated I/O over keyed lanes
                      (--documents is then the number of keys)              (default documents)
  -h, --help          print this help

Exit codes: 0 done and verified, 1 verification failed or run error, 2 bad arguments,
130 interrupted (Ctrl-C: running jobs finish, the rest stays queued for the next run;
SIGTERM 143, SIGHUP 129).`;

/**
 * Parses the main command's arguments.
 * @throws UsageError naming the flag, for an unknown flag or a bad value.
 * @example
 * parseCliArgs(['--jobs', '100', '--storage', 'memory']);
 */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: withInspectDefault(argv),
      strict: true,
      allowPositionals: false,
      options: {
        documents: { type: 'string' },
        jobs: { type: 'string' },
        concurrency: { type: 'string' },
        'fault-rate': { type: 'string' },
        storage: { type: 'string' },
        seed: { type: 'string' },
        inspect: { type: 'string' },
        record: { type: 'string' },
        'record-max-mb': { type: 'string' },
        dashboard: { type: 'boolean' },
        'dashboard-port': { type: 'string' },
        workload: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  const str = (name: string) => values[name] as string | undefined;
  const options: CliOptions = {
    documents: integer('--documents', str('documents'), 50, 1),
    jobs: integer('--jobs', str('jobs'), 5000, 0),
    concurrency: integer('--concurrency', str('concurrency'), 16, 1),
    faultRate: rate('--fault-rate', str('fault-rate'), 0.01),
    storage: storage(str('storage') ?? DEFAULT_STORAGE),
    seed: integer('--seed', str('seed'), 1, 0),
    recordMaxMb: integer('--record-max-mb', str('record-max-mb'), 100, 1),
    workload: workload(str('workload')),
  };
  const port = str('dashboard-port');
  if (values.dashboard) options.dashboardPort = integer('--dashboard-port', port, 4400, 0);
  else if (port !== undefined) throw new UsageError('--dashboard-port needs --dashboard');
  if ((options.dashboardPort ?? 0) > 65535) {
    throw new UsageError(`--dashboard-port expects a port ≤ 65535, got ${JSON.stringify(port)}`);
  }
  const inspect = str('inspect');
  if (inspect !== undefined) options.inspect = inspectUrl(inspect);
  const record = str('record');
  if (record !== undefined) {
    if (record.length === 0) throw new UsageError('--record needs a file name');
    options.record = record;
  }
  return { help: false, options };
}

/** `--inspect` may stand alone: give it the default URL so `parseArgs` sees a value. */
function withInspectDefault(argv: readonly string[]): string[] {
  const args = [...argv];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i] === '--inspect' && (next === undefined || next.startsWith('-'))) {
      args[i] = `--inspect=${DEFAULT_INSPECT_URL}`;
    }
  }
  return args;
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} expects an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function rate(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${flag} expects a number between 0 and 1, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function storage(raw: string): StorageChoice {
  if (raw === 'memory') return { kind: 'memory' };
  if (raw.startsWith('sqlite:') && raw.length > 'sqlite:'.length) {
    return { kind: 'sqlite', path: raw.slice('sqlite:'.length) };
  }
  if (raw.startsWith('postgresql://')) return { kind: 'postgres', url: raw };
  if (raw.startsWith('postgres:') && raw.length > 'postgres:'.length) {
    const url = raw.slice('postgres:'.length);
    // Accept both `postgres:postgres://…` and the shorter `postgres://…`.
    return { kind: 'postgres', url: url.startsWith('//') ? `postgres:${url}` : url };
  }
  throw new UsageError(
    `--storage expects memory, sqlite:PATH or postgres:URL, got ${JSON.stringify(raw)}`,
  );
}

function inspectUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--inspect expects a ws:// or wss:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`--inspect expects a ws:// or wss:// URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function workload(value: string | undefined): CliOptions['workload'] {
  if (value === undefined || value === 'documents' || value === 'handlers')
    return value ?? 'documents';
  throw new UsageError(`--workload expects documents or handlers, got ${JSON.stringify(value)}`);
}
