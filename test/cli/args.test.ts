import { describe, expect, it } from 'vitest';
import { DEFAULT_INSPECT_URL, parseCliArgs, UsageError } from '../../src/cli/args.js';

function options(argv: string[]) {
  const parsed = parseCliArgs(argv);
  if (parsed.help) throw new Error('expected options, got help');
  return parsed.options;
}

function usageError(argv: string[]): UsageError {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

describe('main command arguments', () => {
  it('has the documented defaults', () => {
    expect(options([])).toEqual({
      documents: 50,
      jobs: 5000,
      concurrency: 16,
      faultRate: 0.01,
      storage: { kind: 'sqlite', path: '.seriatim/main.db' },
      seed: 1,
      recordMaxMb: 100,
      workload: 'documents',
    });
  });

  it('reads every flag', () => {
    expect(
      options([
        '--documents=4',
        '--jobs',
        '0',
        '--concurrency',
        '2',
        '--fault-rate',
        '0.5',
        '--storage',
        'memory',
        '--seed',
        '7',
        '--inspect',
        'ws://127.0.0.1:9999',
        '--record',
        'out/events.jsonl',
        '--record-max-mb',
        '5',
        '--workload',
        'handlers',
      ]),
    ).toEqual({
      documents: 4,
      jobs: 0,
      concurrency: 2,
      faultRate: 0.5,
      storage: { kind: 'memory' },
      seed: 7,
      inspect: 'ws://127.0.0.1:9999',
      record: 'out/events.jsonl',
      recordMaxMb: 5,
      workload: 'handlers',
    });
  });

  it('gives a bare --inspect the local default URL, also before another flag', () => {
    expect(options(['--inspect']).inspect).toBe(DEFAULT_INSPECT_URL);
    expect(options(['--inspect', '--jobs', '3'])).toMatchObject({
      inspect: DEFAULT_INSPECT_URL,
      jobs: 3,
    });
  });

  it('parses sqlite and postgres storage', () => {
    expect(options(['--storage', 'sqlite:/tmp/x.db']).storage).toEqual({
      kind: 'sqlite',
      path: '/tmp/x.db',
    });
    expect(options(['--storage', 'postgres://u:p@127.0.0.1/db']).storage).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@127.0.0.1/db',
    });
    expect(options(['--storage', 'postgresql://127.0.0.1/db']).storage).toEqual({
      kind: 'postgres',
      url: 'postgresql://127.0.0.1/db',
    });
    expect(options(['--storage', 'postgres:postgres://127.0.0.1/db']).storage).toEqual({
      kind: 'postgres',
      url: 'postgres://127.0.0.1/db',
    });
  });

  it('reads --dashboard and its port (4400 by default, 0 for any free one)', () => {
    expect(options(['--dashboard']).dashboardPort).toBe(4400);
    expect(options(['--dashboard', '--dashboard-port', '0']).dashboardPort).toBe(0);
    expect(options([]).dashboardPort).toBeUndefined();
  });

  it('asks for help with --help and -h', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
    expect(parseCliArgs(['-h', '--jobs', '1'])).toEqual({ help: true });
  });

  it.each([
    [['--documents', '0'], '--documents'],
    [['--documents', '1.5'], '--documents'],
    [['--jobs', '-1'], '--jobs'],
    [['--jobs', 'many'], '--jobs'],
    [['--concurrency', '0'], '--concurrency'],
    [['--fault-rate', '1.5'], '--fault-rate'],
    [['--fault-rate', 'x'], '--fault-rate'],
    [['--fault-rate', ''], '--fault-rate'],
    [['--storage', 'mysql:x'], '--storage'],
    [['--storage', 'sqlite:'], '--storage'],
    [['--seed', 'abc'], '--seed'],
    [['--inspect', 'http://127.0.0.1:8080'], '--inspect'],
    [['--inspect', 'nonsense'], '--inspect'],
    [['--record', ''], '--record'],
    [['--bogus'], '--bogus'],
    [['--jobs'], '--jobs'],
    [['stray'], 'stray'],
    [['--dashboard-port', '1'], '--dashboard-port'],
    [['--dashboard', '--dashboard-port', '70000'], '--dashboard-port'],
  ])('rejects %j naming %s, with exit code 2', (argv, flag) => {
    const error = usageError(argv);
    expect(error.message).toContain(flag);
    expect(error.exitCode).toBe(2);
  });
});
