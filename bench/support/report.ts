/**
 * Prints a bench's table row (markdown) and writes its JSON to `bench/results/<id>.json`.
 * A script run alone prints the machine header first; under `run-all` (SERIATIM_BENCH_CHILD=1)
 * the parent prints it once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineHeader, machineInfo } from './machine.js';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export type BenchRow = {
  /** P1, P2, … */
  id: string;
  workload: string;
  /** The headline figure, already formatted ("52,300 jobs/s"). */
  result: string;
  /** Goal as text ("≥ 50,000 jobs/s"), or '' when none. */
  goal: string;
  /** Secondary figures, printed as `key value` pairs. */
  detail: Record<string, string | number>;
  /** Everything measured, for the JSON file. */
  data: Record<string, unknown>;
};

export const TABLE_HEADER = '| id | workload | result | goal | detail |\n|---|---|---|---|---|';

export function isChild(): boolean {
  return process.env.SERIATIM_BENCH_CHILD === '1';
}

/** Prints the header (when run alone). Call first, before warm-up. */
export function begin(): void {
  if (isChild()) return;
  console.log(machineHeader());
  console.log(TABLE_HEADER);
}

export function formatRow(row: BenchRow): string {
  const detail = Object.entries(row.detail)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  return `| ${row.id} | ${row.workload} | ${row.result} | ${row.goal} | ${detail} |`;
}

export function report(row: BenchRow): void {
  console.log(formatRow(row));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${row.id.toLowerCase()}.json`);
  const json = { ...row, machine: machineInfo(), at: new Date().toISOString(), argv: process.argv };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** A row for a workload that cannot run here (no adapter, no database URL). */
export function skip(id: string, workload: string, reason: string): void {
  report({
    id,
    workload,
    result: 'skipped',
    goal: '',
    detail: { reason },
    data: { skipped: reason },
  });
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
