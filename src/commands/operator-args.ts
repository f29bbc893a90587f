/**
 * Arguments of the operator commands (`npx seriatim <command> --storage …`, README: Dashboard).
 * @module
 */
import { parseArgs } from 'node:util';

/** A durable storage to operate on. */
export type OperatorStorage =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema?: string };

export type OperatorCommand =
  | { name: 'status' }
  | { name: 'lanes'; blocked: boolean; offset: number; limit: number }
  | { name: 'job' | 'retry' | 'skip'; jobId: string }
  | { name: 'migrate' }
  | {
      name: 'dashboard';
      host: string;
      port: number;
      /** Retry and skip from the page, with a token (`token`, or one made at start). */
      allowWrites: boolean;
      token?: string;
    };

export type OperatorArgs =
  | { help: true }
  | { help: false; command: OperatorCommand; storage: OperatorStorage; json: boolean };

/** A bad command line; the message names the argument. Exit code 2. */
export class OperatorUsageError extends Error {
  override readonly name = 'OperatorUsageError';
  readonly exitCode = 2;
}

export const OPERATOR_USAGE = `Usage: seriatim <command> --storage sqlite:PATH|postgres:URL [options]

Looks at (and moves on) the queue of a SQLite file or a PostgreSQL database, from outside the
processes that run it.

Commands:
  status              job counts, lanes with work, oldest pending job, blocked lanes
  lanes               lanes with work, oldest head first (--blocked: only the blocked ones)
  job ID              a job: its lanes, attempts, last error, operations written
  retry ID            runs a halted job again, in its place (as reactor.retryJob)
  skip ID             lets a halted job's lanes continue without it (as reactor.skipJob)
  migrate             applies the schema, runs nothing
  dashboard           serves the lanes dashboard (http://127.0.0.1:PORT)

Options:
  --storage S         sqlite:PATH or postgres:URL (a postgres:// URL alone works too)
  --schema NAME       PostgreSQL schema                                      (default seriatim)
  --json              machine-readable output
  --blocked           lanes: only lanes blocked by a halted job
  --offset N          lanes: skip N lanes                                    (default 0)
  --limit N           lanes: at most N lanes (1..500)                        (default 50)
  --host H            dashboard: address to bind                             (default 127.0.0.1)
  --port N            dashboard: port, 0 for any free one                    (default 4400)
  --allow-writes      dashboard: enable retry and skip, with a token printed at start
                      (or SERIATIM_DASHBOARD_TOKEN)
  -h, --help          print this help

Exit codes: 0 done, 1 error (unknown job, job not halted, storage unreachable), 2 bad arguments.`;

const COMMANDS = ['status', 'lanes', 'job', 'retry', 'skip', 'migrate', 'dashboard'] as const;

/**
 * Parses the operator command line.
 * @throws OperatorUsageError naming the argument
 * @example
 * parseOperatorArgs(['lanes', '--blocked', '--storage', 'sqlite:queue.db']);
 */
export function parseOperatorArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): OperatorArgs {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (error) {
    throw new OperatorUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { help: true };
  const [name, ...rest] = positionals;
  if (!COMMANDS.includes(name as (typeof COMMANDS)[number])) {
    throw new OperatorUsageError(
      `unknown command ${JSON.stringify(name)}; expected one of ${COMMANDS.join(', ')}`,
    );
  }
  const needsId = name === 'job' || name === 'retry' || name === 'skip';
  if (needsId && (rest.length !== 1 || !rest[0])) {
    throw new OperatorUsageError(`${name} expects one job id, e.g. seriatim ${name} JOB_ID`);
  }
  if (!needsId && rest.length > 0) {
    throw new OperatorUsageError(`${name} takes no argument, got ${JSON.stringify(rest[0])}`);
  }
  if (values.storage === undefined) {
    throw new OperatorUsageError('--storage is required: sqlite:PATH or postgres:URL');
  }
  const storage = storageOf(values.storage, values.schema);
  let command: OperatorCommand;
  switch (name) {
    case 'lanes':
      command = {
        name,
        blocked: values.blocked === true,
        offset: integer('--offset', values.offset, 0, 0, Number.MAX_SAFE_INTEGER),
        limit: integer('--limit', values.limit, 50, 1, 500),
      };
      break;
    case 'job':
    case 'retry':
    case 'skip':
      command = { name, jobId: rest[0] as string };
      break;
    case 'dashboard': {
      command = {
        name,
        host: values.host ?? '127.0.0.1',
        port: integer('--port', values.port, 4400, 0, 65535),
        allowWrites: values['allow-writes'] === true,
      };
      if (command.allowWrites && env.SERIATIM_DASHBOARD_TOKEN) {
        command.token = env.SERIATIM_DASHBOARD_TOKEN;
      }
      break;
    }
    default:
      command = { name: name as 'status' | 'migrate' };
  }
  return { help: false, command, storage, json: values.json === true };
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      storage: { type: 'string' },
      schema: { type: 'string' },
      json: { type: 'boolean' },
      blocked: { type: 'boolean' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'allow-writes': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function storageOf(raw: string, schema: string | undefined): OperatorStorage {
  if (raw.startsWith('sqlite:') && raw.length > 'sqlite:'.length) {
    if (schema !== undefined) throw new OperatorUsageError('--schema is for PostgreSQL storage');
    return { kind: 'sqlite', path: raw.slice('sqlite:'.length) };
  }
  let url: string | undefined;
  if (raw.startsWith('postgresql://') || raw.startsWith('postgres://')) url = raw;
  else if (raw.startsWith('postgres:') && raw.length > 'postgres:'.length) {
    url = raw.slice('postgres:'.length);
  }
  if (url === undefined) {
    throw new OperatorUsageError(
      `--storage expects sqlite:PATH or postgres:URL, got ${JSON.stringify(raw)}`,
    );
  }
  return schema === undefined ? { kind: 'postgres', url } : { kind: 'postgres', url, schema };
}

function integer(
  flag: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new OperatorUsageError(
      `${flag} expects an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}
