/**
 * Temporary SQLite database files for tests: a fresh path per call, removed with its WAL files.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A path for a new database file in a fresh temporary directory (the file does not exist). */
export function tempDbPath(prefix = 'seriatim-sqlite-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return join(dir, `${randomUUID()}.db`);
}

/** Removes the database file, its `-wal` and `-shm` files and the directory made for it. */
export function removeDb(path: string): void {
  const dir = path.slice(0, path.lastIndexOf('/'));
  rmSync(dir, { recursive: true, force: true });
}
