import type { Reading } from '../src/core/types.js';

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

/** The i-th synthetic reading the journal and sink benchmarks append: four DMMs near 10 V, stamped now. */
export function benchReading(i: number): Reading {
  return {
    device: `dmm${i % 4}`,
    channel: 'ch1',
    quantity: 'voltage',
    value: 10 + i * 1e-9,
    unit: 'V',
    u: 2e-8,
    time: Date.now(),
    flags: [],
    extra: { nplc: 10, tempC: 23.1 },
  };
}
