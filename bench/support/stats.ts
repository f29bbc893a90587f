/** Small statistics helpers for the benches. */

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Rounds to `digits` significant digits, for printing. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}

/** Runs `measure` `warmups` times unmeasured, then `runs` times; returns the measured values. */
export async function repeat(
  runs: number,
  warmups: number,
  measure: (round: number) => Promise<number>,
): Promise<number[]> {
  for (let i = 0; i < warmups; i++) await measure(-1 - i);
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure(i));
  return values;
}
