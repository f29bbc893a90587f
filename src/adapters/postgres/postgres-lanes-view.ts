/**
 * The PostgreSQL queue's operations view (`overview`, `lanes`): one query per call over
 * `job_lanes`, whose primary key (document_id, branch, scope, seq) gives each lane's head and
 * backlog.
 * @module
 */
import type { JobStatus } from '../../types.js';
import {
  type LaneSummary,
  type LanesPage,
  type LanesQuery,
  pageOf,
  type QueueOverview,
} from '../lanes-view.js';
import type { QueueCounts } from '../ports.js';
import { type Queryable, run, type Statement } from './statements/statement.js';

/** No parameters. */
const overviewCounts: Statement = {
  name: 'seriatim_overview_counts',
  text: `
SELECT
  (SELECT count(*) FROM jobs WHERE status = 'PENDING' AND attempts > 0)::int AS retrying,
  (SELECT count(*) FROM (SELECT 1 FROM job_lanes GROUP BY document_id, branch, scope) AS l)::int
    AS lanes_with_work,
  (SELECT count(*) FROM jobs AS j JOIN job_lanes AS l ON l.seq = j.seq WHERE j.halted)::int
    AS blocked_lanes,
  (SELECT json_build_object('id', id, 'created_at', created_at) FROM jobs
   WHERE status = 'PENDING' ORDER BY seq LIMIT 1) AS oldest`,
};

const HEADS = `
WITH heads AS (
  SELECT document_id, branch, scope, min(seq) AS seq, count(*)::int AS backlog
  FROM job_lanes GROUP BY document_id, branch, scope
)`;

/** $1 blocked only, $2 limit, $3 offset. */
const selectLanes: Statement = {
  name: 'seriatim_select_lanes',
  text: `${HEADS}
SELECT h.document_id, h.scope, h.branch, h.backlog, j.id, j.status, j.created_at, j.attempts,
       j.run_at, j.halted, j.last_error_code, j.last_error_message,
       cardinality(j.scopes) AS lane_count
FROM heads AS h JOIN jobs AS j ON j.seq = h.seq
WHERE NOT $1::boolean OR j.halted
ORDER BY h.seq, h.document_id, h.scope, h.branch
LIMIT $2 OFFSET $3`,
};

/** $1 blocked only. */
const countLanes: Statement = {
  name: 'seriatim_count_lanes',
  text: `${HEADS}
SELECT count(*)::int AS n FROM heads AS h JOIN jobs AS j ON j.seq = h.seq
WHERE NOT $1::boolean OR j.halted`,
};

type HeadRow = {
  document_id: string;
  scope: string;
  branch: string;
  backlog: number;
  id: string;
  status: JobStatus;
  created_at: string;
  attempts: number;
  run_at: string | null;
  halted: boolean;
  last_error_code: number | null;
  last_error_message: string | null;
  lane_count: number;
};

/** `overview` of the PostgreSQL queue. */
export async function postgresOverview(db: Queryable, counts: QueueCounts): Promise<QueueOverview> {
  const [row] = await run<{
    retrying: number;
    lanes_with_work: number;
    blocked_lanes: number;
    oldest: { id: string; created_at: number } | null;
  }>(db, overviewCounts, []);
  const overview: QueueOverview = {
    counts,
    retrying: row?.retrying ?? 0,
    lanesWithWork: row?.lanes_with_work ?? 0,
    blockedLanes: row?.blocked_lanes ?? 0,
  };
  if (row?.oldest) {
    overview.oldestPending = { jobId: row.oldest.id, createdAt: Number(row.oldest.created_at) };
  }
  return overview;
}

/** `lanes` of the PostgreSQL queue. */
export async function postgresLanes(db: Queryable, query?: LanesQuery): Promise<LanesPage> {
  const { offset, limit } = pageOf(query);
  const blocked = query?.blocked === true;
  const [count] = await run<{ n: number }>(db, countLanes, [blocked]);
  const rows = await run<HeadRow>(db, selectLanes, [blocked, limit, offset]);
  return { total: count?.n ?? 0, offset, limit, lanes: rows.map(laneFromRow) };
}

function laneFromRow(row: HeadRow): LaneSummary {
  const lane: LaneSummary = {
    documentId: row.document_id,
    scope: row.scope,
    branch: row.branch,
    backlog: row.backlog,
    head: {
      jobId: row.id,
      status: row.status,
      createdAt: Number(row.created_at),
      attempts: row.attempts,
      halted: row.halted,
      laneCount: row.lane_count,
    },
  };
  if (row.run_at !== null) lane.head.runAt = Number(row.run_at);
  if (row.halted) {
    if (row.last_error_code !== null) lane.head.errorCode = row.last_error_code;
    if (row.last_error_message !== null) lane.head.errorMessage = row.last_error_message;
  }
  return lane;
}
