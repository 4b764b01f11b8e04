import type { Acquisition, Reading } from '../src/core/types.js';

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

/** Channels of each synthetic acquisition (`benchAcquisition`). */
export const BENCH_CHANNELS = 5;

/**
 * The i-th synthetic acquisition the journal and sink benchmarks append: one of four DMMs, stamped
 * now, with five voltage channels near 10 V (each with its uncertainty and two extras).
 */
export function benchAcquisition(i: number): Acquisition {
  const channels: Acquisition['channels'] = {};
  for (let c = 1; c <= BENCH_CHANNELS; c++) {
    channels[`ch${c}`] = { quantity: 'voltage', value: 10 + c * 1e-3 + i * 1e-9, unit: 'V', u: 2e-8, extra: { nplc: 10, tempC: 23.1 } };
  }
  return { device: `dmm${i % 4}`, time: Date.now(), clock: 'yes', channels };
}

/** The i-th synthetic reading (one channel on its own): four DMMs near 10 V, stamped now. */
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
