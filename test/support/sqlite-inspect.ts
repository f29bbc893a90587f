/**
 * Looking into a SQLite database file from a test, through a connection of its own.
 */
import Database from 'better-sqlite3';

/** Opens a read/write connection to `path` (the storage under test keeps its own). */
export function openRaw(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * Inconsistencies between `jobs.blockers` and `job_lanes`, and between job status and lane
 * membership; empty when the queue's bookkeeping is right.
 */
export function laneBookkeepingErrors(db: Database.Database): string[] {
  const errors: string[] = [];
  const rows = db
    .prepare(
      `SELECT j.id, j.status, j.halted, j.blockers, json_array_length(j.scopes) AS lanes,
         (SELECT COUNT(*) FROM job_lanes m WHERE m.seq = j.seq) AS member,
         (SELECT COUNT(*) FROM job_lanes m WHERE m.seq = j.seq AND EXISTS (
            SELECT 1 FROM job_lanes e WHERE e.lane_key = m.lane_key AND e.seq < m.seq)) AS expected
       FROM jobs j`,
    )
    .all() as {
    id: string;
    status: string;
    halted: number;
    blockers: number;
    lanes: number;
    member: number;
    expected: number;
  }[];
  for (const row of rows) {
    const unfinished = row.status === 'PENDING' || row.status === 'RUNNING' || row.halted === 1;
    const lanes = unfinished ? row.lanes : 0;
    if (row.member !== lanes) {
      errors.push(`${row.id} (${row.status}) is in ${row.member} lanes, expected ${lanes}`);
    }
    if (unfinished && row.blockers !== row.expected) {
      errors.push(`${row.id} has blockers ${row.blockers}, expected ${row.expected}`);
    }
  }
  const orphans = db
    .prepare('SELECT COUNT(*) FROM job_lanes WHERE seq NOT IN (SELECT seq FROM jobs)')
    .pluck()
    .get() as number;
  if (orphans > 0) errors.push(`${orphans} job_lanes rows of deleted jobs`);
  return errors;
}
