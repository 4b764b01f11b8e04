/** One row of the benchmark table. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
