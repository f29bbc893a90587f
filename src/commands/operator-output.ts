/**
 * Text output of the operator commands (`--json` prints the objects themselves).
 * @module
 */
import type { LaneSummary, LanesPage, QueueOverview } from '../adapters/lanes-view.js';
import type { BlockedLane } from '../adapters/ports.js';
import type { JobDetail } from '../dashboard/job-detail.js';
import { errorCodeName } from '../errors.js';

/** `1h 2m`, `3m 4s`, `5s`, `120ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const laneName = (lane: { documentId: string; scope: string; branch: string }) =>
  `${lane.documentId}/${lane.scope}/${lane.branch}`;

const errorText = (code: number | undefined, message: string | undefined) =>
  code === undefined ? (message ?? '') : `${errorCodeName(code)} (${code}): ${message ?? ''}`;

export function statusText(
  label: string,
  overview: QueueOverview,
  blocked: readonly BlockedLane[],
  now: number,
): string {
  const c = overview.counts;
  const lines = [
    `storage: ${label}`,
    `jobs: ${c.pending} pending (${overview.retrying} retrying), ${c.running} running, ${c.completed} completed, ${c.failed} failed`,
    `lanes with work: ${overview.lanesWithWork}, blocked: ${overview.blockedLanes}`,
    overview.oldestPending
      ? `oldest pending: ${overview.oldestPending.jobId}, waiting ${formatDuration(now - overview.oldestPending.createdAt)}`
      : 'oldest pending: none',
  ];
  if (blocked.length > 0) {
    lines.push('blocked lanes:');
    for (const lane of blocked) {
      lines.push(
        `  ${laneName(lane)}  job ${lane.jobId}  ${errorText(lane.errorCode, lane.errorMessage)}`,
      );
    }
  }
  return lines.join('\n');
}

export function lanesText(page: LanesPage, now: number): string {
  if (page.lanes.length === 0) return `no lanes (${page.total} in all)`;
  const lines = page.lanes.map((lane: LaneSummary) => {
    const head = lane.head;
    const state = head.halted
      ? `BLOCKED ${errorText(head.errorCode, head.errorMessage)}`
      : head.status;
    const multi = head.laneCount > 1 ? ` (holds ${head.laneCount} lanes)` : '';
    return `${laneName(lane)}  backlog ${lane.backlog}  head ${head.jobId}${multi}  ${state}  waiting ${formatDuration(now - head.createdAt)}`;
  });
  const last = page.offset + page.lanes.length;
  lines.push(`lanes ${page.offset + 1}–${last} of ${page.total}`);
  return lines.join('\n');
}

export function jobText(detail: JobDetail): string {
  const { job } = detail;
  const lines = [
    `job ${job.id}: ${job.status}${job.halted ? ' (halted: its lanes are blocked)' : ''}`,
    `lanes: ${detail.lanes.map(laneName).join(', ')}`,
    `attempts: ${job.attempts}`,
    `created: ${new Date(job.createdAt).toISOString()}`,
  ];
  if (job.finishedAt !== undefined)
    lines.push(`finished: ${new Date(job.finishedAt).toISOString()}`);
  if (job.lastError)
    lines.push(`last error: ${errorText(job.lastError.code, job.lastError.message)}`);
  lines.push(`operations written: ${detail.operations.length}`);
  for (const op of detail.operations) {
    lines.push(`  ${op.action.scope}#${op.index} ${op.action.type} ${op.id}`);
  }
  return lines.join('\n');
}
