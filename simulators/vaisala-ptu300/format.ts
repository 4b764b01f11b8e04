import type { LabConditions } from '../physics/lab.js';

/** An output interval as the device keeps it: INTV n S|MIN|H. */
export interface Interval {
  n: number;
  unit: 'S' | 'MIN' | 'H';
}

const UNIT_SECONDS: Record<Interval['unit'], number> = { S: 1, MIN: 60, H: 3600 };
/** INTV 0 means "as fast as possible"; the simulator then outputs every 100 ms. */
const FASTEST_MS = 100;

export function intervalMs(i: Interval): number {
  return Math.max(FASTEST_MS, i.n * UNIT_SECONDS[i.unit] * 1000);
}

/** The device's answer to INTV, e.g. `Output intrv.  : 2 S`. */
export function intervalReply(i: Interval): string {
  return `Output intrv.  : ${i.n} ${i.unit}`;
}

/** A value right-aligned in `width` characters, or stars of that width when there is none (***.*). */
export function fixed(value: number | null, width: number, decimals: number): string {
  if (value === null || !Number.isFinite(value)) {
    return `${'*'.repeat(width - decimals - 1)}.${'*'.repeat(decimals)}`;
  }
  return value.toFixed(decimals).padStart(width);
}

/** The default output format, `RH= 43.0 %RH T= 21.0 'C P= 1013.2 hPa`, with the device's fixed widths. */
export function measurementLine(c: LabConditions, opts: { rhFailed: boolean }): string {
  const rh = opts.rhFailed ? null : Math.min(100, Math.max(0, c.humidity));
  return `RH=${fixed(rh, 5, 1)} %RH T=${fixed(c.temperature, 5, 1)} 'C P=${fixed(c.pressure, 7, 1)} hPa`;
}

/** The FORM string that produces measurementLine's layout (what a bare FORM answers). */
export const DEFAULT_FORM = `"RH=" 3.1 RH " " U4 "T=" 3.1 T " " U2 "P=" 5.1 P " " U3 \\r \\n`;

/** The answer to `?`: a short info block (the real one lists more modules and settings). */
export function infoBlock(serial: string, interval: Interval): string[] {
  return [
    'PTU300 / 3.10',
    `Serial number  : ${serial}`,
    'Batch number   : K0000001',
    'Module 1       : BARO-1',
    `Output intrv.  : ${interval.n} ${interval.unit}`,
    'Baud P D S     : 4800 E 7 1',
    'Serial mode    : STOP',
    'Echo           : OFF',
  ];
}

/** Damages a line as line noise would: alternately a digit turned into '#' or a burst of binary junk. */
export function garble(line: string, variant: number): string {
  if (variant % 2 === 0) return `${line.slice(0, 5)}#${line.slice(6)}`;
  const mid = Math.floor(line.length / 2);
  return `${line.slice(0, mid)}\x00\x1b\xfe\x07${line.slice(mid)}`;
}
