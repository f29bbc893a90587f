/**
 * The SQLite queue's operations view (`overview`, `lanes`): one query per call over `job_lanes`,
 * whose primary key (lane_key, seq) gives each lane's head and backlog.
 * @module
 */
import type { Database } from 'better-sqlite3';
import type { JobStatus } from '../../types.js';
import {
  type LaneSummary,
  type LanesPage,
  type LanesQuery,
  pageOf,
  type QueueOverview,
} from '../lanes-view.js';
import type { QueueCounts } from '../ports.js';
import { defineStatement, prepareAll } from './statements/statement.js';

const overviewCounts = defineStatement<
  Record<string, never>,
  { retrying: number; lanes_with_work: number; blocked_lanes: number }
>(`
SELECT
  (SELECT count(*) FROM jobs INDEXED BY jobs_status WHERE status = 'PENDING' AND attempts > 0)
    AS retrying,
  (SELECT count(*) FROM (SELECT 1 FROM job_lanes GROUP BY lane_key)) AS lanes_with_work,
  (SELECT count(*) FROM jobs AS j INDEXED BY jobs_halted JOIN job_lanes AS l ON l.seq = j.seq
   WHERE j.halted = 1) AS blocked_lanes
`);

const oldestPending = defineStatement<Record<string, never>, { id: string; created_at: number }>(`
SELECT id, created_at FROM jobs INDEXED BY jobs_status WHERE status = 'PENDING' ORDER BY seq LIMIT 1
`);

type HeadRow = {
  lane_key: string;
  backlog: number;
  id: string;
  status: JobStatus;
  created_at: number;
  attempts: number;
  run_at: number | null;
  halted: number;
  last_error_code: number | null;
  last_error_message: string | null;
  lane_count: number;
};

const HEADS = `
WITH heads AS (
  SELECT lane_key, min(seq) AS seq, count(*) AS backlog FROM job_lanes GROUP BY lane_key
)`;

const selectLanes = defineStatement<{ blocked: number; limit: number; offset: number }, HeadRow>(`
${HEADS}
SELECT h.lane_key, h.backlog, j.id, j.status, j.created_at, j.attempts, j.run_at, j.halted,
       j.last_error_code, j.last_error_message, json_array_length(j.scopes) AS lane_count
FROM heads AS h JOIN jobs AS j ON j.seq = h.seq
WHERE @blocked = 0 OR j.halted = 1
ORDER BY h.seq, h.lane_key
LIMIT @limit OFFSET @offset
`);

const countLanes = defineStatement<{ blocked: number }, { n: number }>(`
${HEADS}
SELECT count(*) AS n FROM heads AS h JOIN jobs AS j ON j.seq = h.seq
WHERE @blocked = 0 OR j.halted = 1
`);

const STATEMENTS = { overviewCounts, oldestPending, selectLanes, countLanes };

/** `overview` and `lanes` of the SQLite queue. */
export class SqliteLanesView {
  readonly #sql: ReturnType<typeof prepareAll<typeof STATEMENTS>>;

  constructor(db: Database) {
    this.#sql = prepareAll(db, STATEMENTS);
  }

  overview(counts: QueueCounts): QueueOverview {
    const row = this.#sql.overviewCounts.get({});
    const overview: QueueOverview = {
      counts,
      retrying: row?.retrying ?? 0,
      lanesWithWork: row?.lanes_with_work ?? 0,
      blockedLanes: row?.blocked_lanes ?? 0,
    };
    const oldest = this.#sql.oldestPending.get({});
    if (oldest) overview.oldestPending = { jobId: oldest.id, createdAt: oldest.created_at };
    return overview;
  }

  lanes(query?: LanesQuery): LanesPage {
    const { offset, limit } = pageOf(query);
    const blocked = query?.blocked ? 1 : 0;
    const total = this.#sql.countLanes.get({ blocked })?.n ?? 0;
    const rows = this.#sql.selectLanes.all({ blocked, limit, offset });
    return { total, offset, limit, lanes: rows.map(laneFromRow) };
  }
}

function laneFromRow(row: HeadRow): LaneSummary {
  const [documentId, scope, branch] = JSON.parse(row.lane_key) as [string, string, string];
  const lane: LaneSummary = {
    documentId,
    scope,
    branch,
    backlog: row.backlog,
    head: {
      jobId: row.id,
      status: row.status,
      createdAt: row.created_at,
      attempts: row.attempts,
      halted: row.halted === 1,
      laneCount: row.lane_count,
    },
  };
  if (row.run_at !== null) lane.head.runAt = row.run_at;
  if (row.halted === 1) {
    if (row.last_error_code !== null) lane.head.errorCode = row.last_error_code;
    if (row.last_error_message !== null) lane.head.errorMessage = row.last_error_message;
  }
  return lane;
}
