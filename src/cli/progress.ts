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
  const line = (): string => {
    const done = tally.done;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    const elapsed = ((now() - tally.startedAt) / 1000).toFixed(1);
    const fields = [
      `${done}/${total} done (${pct}%)`,
      `running ${options.running()}`,
      `retries ${tally.retries}`,
      `failed ${tally.failed}`,
      `${rate().toFixed(0)} jobs/s`,
      `${elapsed} s`,
    ];
    return tty ? `${bar(done, total)} ${fields.join(' │ ')}` : `progress: ${fields.join(', ')}`;
  };
  const draw = () => {
    if (tty) {
      const text = line();
      const width = stream.columns ?? 120;
      stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, width - 1) : text}`);
    } else {
      stream.write(`${line()}\n`);
    }
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

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}
