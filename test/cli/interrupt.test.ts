/**
 * `npm start` as people stop it (README, Quick start (CLI)): Ctrl-C reaches the whole process
 * group, twice in a row. The run must survive it: stop (forcing the stop on the second), print
 * its summary and verify, rather than be killed by a wrapper that escalates to SIGKILL.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let groupLeader: number | undefined;

afterEach(() => {
  if (groupLeader === undefined) return;
  try {
    process.kill(-groupLeader, 'SIGKILL');
  } catch {
    // already gone
  }
  groupLeader = undefined;
});

describe('npm start and Ctrl-C', () => {
  it('prints the summary and verifies after Ctrl-C twice, each sent to the process group', async () => {
    const child = spawn(
      'npm',
      ['start', '--', '--storage', 'memory', '--jobs', '100000', '--documents', '40'],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    groupLeader = child.pid;
    let stdout = '';
    let stderr = '';
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    // The terminal signals the whole group and npm forwards to its child: one Ctrl-C can reach
    // the run twice. Press once when it runs, again once it says it is stopping.
    const press = () => {
      try {
        process.kill(-groupLeader!, 'SIGINT');
      } catch {
        // the run has exited already
      }
    };
    let pressed = 0;
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      if (pressed === 0 && stderr.includes('progress:')) {
        pressed = 1;
        press();
      } else if (pressed === 1 && stderr.includes('interrupted: letting running jobs finish')) {
        pressed = 2;
        press();
      }
    });
    await closed;
    groupLeader = undefined;

    expect(stderr).toContain('interrupted: letting running jobs finish');
    expect(stdout).toContain('seriatim — summary (interrupted');
    expect(stdout).toMatch(/verification: passed/);
    // The second press forces the stop unless the graceful one was done first; never twice.
    expect(stderr.split('forcing stop').length).toBeLessThanOrEqual(2);
  }, 120_000);
});
