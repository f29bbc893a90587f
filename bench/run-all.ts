/**
 * Runs every bench, each in its own process (so one's heap and JIT state do not colour the
 * next), prints the machine header once and the table, and leaves each bench's JSON in
 * bench/results/.
 *
 *   npm run bench                 # everything
 *   npm run bench -- P1 P5        # some of them
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineHeader } from './support/machine.js';
import { TABLE_HEADER } from './support/report.js';

const BENCHES = [
  ['P1', 'p1-memory-noop.ts'],
  ['P1-FLOOR', 'p1-floor.ts'],
  ['P2', 'p2-memory-documents.ts'],
  ['P2-EXEC', 'p2-executor-breakdown.ts'],
  ['P2-PH', 'p2-ph-documents.ts'],
  ['P3', 'p3-sqlite-documents.ts'],
  ['P4', 'p4-postgres-documents.ts'],
  ['P5', 'p5-start-latency.ts'],
  ['P6', 'p6-memory-footprint.ts'],
  ['P7', 'p7-memory-handlers.ts'],
  ['P7-PG', 'p7-postgres-handlers.ts'],
] as const;

const only = process.argv.slice(2).map((id) => id.toUpperCase());
const selected = BENCHES.filter(([id]) => only.length === 0 || only.includes(id));

console.log(machineHeader());
console.log(TABLE_HEADER);
let failures = 0;
for (const [id, file] of selected) {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
    stdio: 'inherit',
    env: { ...process.env, SERIATIM_BENCH_CHILD: '1' },
  });
  if (child.status !== 0) {
    failures++;
    console.log(`| ${id} | failed (exit ${child.status ?? child.signal}) | | | |`);
  }
}
process.exit(failures === 0 ? 0 : 1);
