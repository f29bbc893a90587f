/**
 * Opening a SQLite database for seriatim: pragmas, then the schema migrations.
 * @module
 */
import type Database from 'better-sqlite3';
import { MissingDependencyError } from '../../errors.js';
import { loadOptionalPeer } from '../../optional-peer.js';
import { type Migration, migrations as SQLITE_MIGRATIONS } from './migrations.js';

/** How {@link openSqliteDatabase} sets up the connection. */
export type SqliteConnectionOptions = {
  synchronous: 'NORMAL' | 'FULL';
  /** Milliseconds to wait for a lock before `SQLITE_BUSY`. */
  busyTimeout: number;
  /** WAL pages that trigger an automatic checkpoint. @default SQLite's (1000) */
  walAutocheckpoint?: number;
  /** Time recorded with each migration applied (ms since epoch). */
  now: () => number;
};

/** What {@link migrate} did: the schema version before and after. */
export type MigrationOutcome = { from: number; to: number; applied: number[] };

/**
 * Opens (creating it when missing) the database at `path` in WAL mode with a busy timeout, and
 * brings its schema up to date. `:memory:` works too (one connection only, not durable).
 * @throws Error when WAL cannot be enabled on a file, or the schema is newer than this code.
 */
export function openSqliteDatabase(
  path: string,
  options: SqliteConnectionOptions,
): Database.Database {
  const db = newDatabase(path);
  try {
    // The busy timeout first: switching to WAL and migrating may wait for another process.
    db.pragma(`busy_timeout = ${options.busyTimeout}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && !db.memory) {
      throw new Error(`Could not enable WAL mode on ${path} (journal_mode is ${String(mode)})`);
    }
    db.pragma(`synchronous = ${options.synchronous}`);
    if (options.walAutocheckpoint !== undefined) {
      db.pragma(`wal_autocheckpoint = ${options.walAutocheckpoint}`);
    }
    migrate(db, SQLITE_MIGRATIONS, options.now);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

const FEATURE = 'SQLite storage (`storage: { sqlite }`, seriatim/sqlite)';

/** `new Database(path)`, telling which package to install or rebuild when it cannot load. */
function newDatabase(path: string): Database.Database {
  const Driver = loadOptionalPeer<typeof Database>('better-sqlite3', FEATURE);
  try {
    return new Driver(path);
  } catch (error) {
    // better-sqlite3 loads its native module on the first `new Database`.
    const message = String((error as Error | null)?.message ?? '');
    if (/bindings file|NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|invalid ELF/i.test(message)) {
      throw new MissingDependencyError('better-sqlite3', FEATURE, {
        cause: error,
        detail: `${FEATURE} needs better-sqlite3's native module, which could not be loaded (${message.split('\n')[0]}); rebuild it for this Node with \`npm rebuild better-sqlite3\`, or reinstall it with \`npm install better-sqlite3\``,
      });
    }
    throw error;
  }
}

/**
 * Applies the migrations `db` lacks, in version order, inside one IMMEDIATE transaction, and
 * records each in `schema_version`; a database already up to date is left as it is. Several
 * processes may open one file at once: the transaction serialises them.
 * @throws Error when the database's schema is newer than the last of `migrations`.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = SQLITE_MIGRATIONS,
  now: () => number = Date.now,
): MigrationOutcome {
  const run = db.transaction((): MigrationOutcome => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const from =
      (db.prepare('SELECT MAX(version) FROM schema_version').pluck().get() as number | null) ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (from > latest) {
      throw new Error(
        `The database schema is at version ${from}, newer than this version of seriatim knows (${latest}); upgrade seriatim`,
      );
    }
    const record = db.prepare(
      'INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)',
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now());
      applied.push(migration.version);
    }
    return { from, to: Math.max(from, latest), applied };
  });
  return run.immediate();
}

/** The schema version recorded in `db` (0: none). */
export function schemaVersion(db: Database.Database): number {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (exists === undefined) return 0;
  return (
    (db.prepare('SELECT MAX(version) FROM schema_version').pluck().get() as number | null) ?? 0
  );
}
