/**
 * Live progress of the main command: one line redrawn in place on a terminal, plain periodic
 * lines otherwise (pipes, CI logs).
 * @module
 */
import type { RunTally } from './run-tally.js';

export type ProgressOptions = {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  total: number;
  tally: RunTally;
  /** Attempts running right now. */
  running: () => number;
  /** Redraw period on a terminal. @default 100 */
  ttyInterval?: number;
  /** Period of the plain lines. @default 1000 */
  plainInterval?: number;
  now?: () => number;
};

/** A running progress display; `stop()` draws the last state and ends the line. */
export type Progress = { stop(): void };

/**
 * Starts the progress display.
 * @example
 * const progress = startProgress({ stream: process.stderr, total, tally, running: () => 0 });
 * progress.stop();
 */
export function startProgress(options: ProgressOptions): Progress {
  const { stream, total, tally } = options;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  // Samples of (time, done) over the last second, for an instantaneous rate.
  const samples = [{ t: tally.startedAt, done: tally.done }];
  const rate = (): number => {
    const t = now();
    samples.push({ t, done: tally.done });
    while (samples.length > 2 && t - samples[0]!.t > 1000) samples.shift();
    const first = samples[0]!;
    const dt = (t - first.t) / 1000;
    return dt > 0 ? (tally.done - first.done) / dt : 0;
  };
  const line = (width: number): string => {
    const done = tally.done;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    const perSecond = rate();
    const left = total - done;
    const eta =
      left <= 0 ? 'ETA 0 s' : perSecond > 0 ? `ETA ${duration(left / perSecond)}` : 'ETA –';
    // Most important first: what is dropped to fit a narrow terminal comes off the end.
    const fields = [
      `${done}/${total} done (${pct}%)`,
      `${perSecond.toFixed(0)} jobs/s`,
      eta,
      `running ${options.running()}`,
      `failed ${tally.failed}`,
      `retries ${tally.retries}`,
      `${((now() - tally.startedAt) / 1000).toFixed(1)} s`,
    ];
    if (!tty) return `progress: ${fields.join(', ')}`;
    for (let kept = fields.length; kept > 1; kept--) {
      const text = fields.slice(0, kept).join(' │ ');
      for (const barWidth of [20, 10]) {
        const full = `${bar(done, total, barWidth)} ${text}`;
        if (full.length < width) return full;
      }
      if (text.length < width) return text;
    }
    return fields[0]!.slice(0, width - 1);
  };
  const draw = () => {
    if (tty) stream.write(`\r\x1b[2K${line(stream.columns ?? 120)}`);
    else stream.write(`${line(Number.POSITIVE_INFINITY)}\n`);
  };
  const timer = setInterval(
    draw,
    tty ? (options.ttyInterval ?? 100) : (options.plainInterval ?? 1000),
  );
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      if (tty) stream.write('\n');
    },
  };
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
