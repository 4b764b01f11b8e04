/**
 * One timeline of every lab's verified readings of a standard (pure): per lab at most `maxPoints`
 * points, each the mean time and mean value of the readings in its time bucket (equal buckets over
 * the lab's own period, so a short visit keeps its detail), with how many readings it stands for.
 * The reference model and each lab's fit come with it, so a page can draw the model's k·u band and
 * every lab's line over its measuring period.
 */
import type { PilotStandard } from '../config.js';
import type { ReadingRow } from '../types.js';
import { DAY_MS, type LabResult } from './results.js';

export interface TimelineSeries {
  lab: string;
  /** The pilot's own measurements (the A and A' of an A-B-A loop). */
  pilot: boolean;
  points: { t: number; value: number; n: number }[];
  fit: { from: number; to: number; at: number; value: number; slopePerDay: number } | null;
}

export interface Timeline {
  standard: string;
  unit: string;
  nominal: number;
  k: number;
  reference: PilotStandard['reference'];
  series: TimelineSeries[];
}

export function timelineOf(std: PilotStandard, pilotLab: string, labs: readonly string[], readings: readonly ReadingRow[], results: readonly LabResult[], k: number, maxPoints = 2000): Timeline {
  const series: TimelineSeries[] = [];
  for (const lab of [...new Set(labs)]) {
    const rows = readings.filter((r) => r.lab === lab && r.standard === std.id && r.verified);
    if (rows.length === 0) continue;
    const result = results.find((r) => r.lab === lab);
    series.push({
      lab,
      pilot: lab === pilotLab,
      points: bucket(rows, maxPoints),
      fit:
        result && result.slopePerDay !== null
          ? { from: result.from, to: result.to, at: result.meanEpoch, value: result.mean, slopePerDay: result.slopePerDay }
          : null,
    });
  }
  return { standard: std.id, unit: std.unit, nominal: std.nominal, k, reference: std.reference, series };
}

function bucket(rows: readonly ReadingRow[], maxPoints: number): TimelineSeries['points'] {
  if (rows.length <= maxPoints) return rows.map((r) => ({ t: r.time, value: r.value, n: 1 }));
  const from = rows[0]!.time;
  const span = Math.max(1, rows[rows.length - 1]!.time - from);
  const width = span / maxPoints;
  const out: TimelineSeries['points'] = [];
  let index = -1;
  let st = 0;
  let sv = 0;
  let n = 0;
  const emit = () => {
    if (n > 0) out.push({ t: st / n, value: sv / n, n });
  };
  for (const r of rows) {
    const b = Math.min(maxPoints - 1, Math.floor((r.time - from) / width));
    if (b !== index) {
      emit();
      index = b;
      st = 0;
      sv = 0;
      n = 0;
    }
    st += r.time;
    sv += r.value;
    n++;
  }
  emit();
  return out;
}

/** The model's value and standard uncertainty at UTC ms `t` (u_T included, as in E_n). */
export function modelAt(ref: PilotStandard['reference'], t: number): { value: number; u: number } {
  const dt = (t - Date.parse(ref.t0)) / DAY_MS;
  return { value: ref.x0 + ref.driftPerDay * dt, u: Math.sqrt(ref.uX0 ** 2 + (dt * ref.uDriftPerDay) ** 2 + ref.uTransport ** 2) };
}
