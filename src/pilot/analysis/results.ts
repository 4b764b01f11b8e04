/**
 * The comparison's results from verified data, as pure functions.
 *
 * Per lab and standard (`labResult`), from the readings the lab's gateway marked verified
 * (measuring, settled, at reference conditions) in records the pilot verified:
 * - mean x̄ over the lab's measuring period at the mean epoch t̄ (days from the model's t0);
 * - u_A: the standard uncertainty of the lab's linear drift fit at t̄ (s/√n, lineFit);
 * - u_B: the type B uncertainty the lab declared (its gateway's latest `standard_declared`);
 *   u = √(u_A² + u_B²). Without a declaration the result is incomplete and takes no part in the
 *   reference value;
 * - the pilot's model at t̄: ŷ_ref = x0 + b_ref·Δt, u²(ŷ_ref) = u²(x0) + Δt²·u²(b_ref), Δt = t̄ − t0;
 * - d = x̄ − ŷ_ref, u²(d) = u² + u²(ŷ_ref) + u_T², E_n = d / (k·u(d)) (|E_n| ≤ 1 passes);
 * - the value referred to t0 with the model's drift, for the reference value:
 *   x_i = x̄ − b_ref·Δt, u²(x_i) = u² + Δt²·u²(b_ref) + u_T².
 * Across labs (`comparisonResults`): Cox's procedure A on the x_i of the complete results (stats.ts),
 * always marked provisional.
 */
import type { PilotStandard } from '../config.js';
import type { ReadingRow } from '../types.js';
import { coxProcedureA, lineFit, type CoxA } from './stats.js';

export const DAY_MS = 86_400_000;

export interface Declaration {
  lab: string;
  standard: string;
  uB: number | null;
  note: string | null;
  /** When the gateway declared it (UTC ms). */
  time: number;
}

export interface LabResult {
  standard: string;
  lab: string;
  unit: string;
  n: number;
  /** UTC ms of the first and last reading and of the mean epoch. */
  from: number;
  to: number;
  meanEpoch: number;
  mean: number;
  uA: number;
  uB: number | null;
  typeBNote: string | null;
  u: number;
  slopePerDay: number | null;
  uSlopePerDay: number | null;
  model: { value: number; u: number };
  d: number;
  ud: number;
  En: number;
  /** The value referred to the model's t0 and its uncertainty (the input to the reference value). */
  atT0: { value: number; u: number };
  complete: boolean;
  issues: string[];
}

export interface ComparisonResults {
  standard: string;
  unit: string;
  k: number;
  labs: LabResult[];
  /** Cox procedure A at the model's t0; undefined with fewer than two complete results. */
  reference: (Omit<CoxA, 'equivalence'> & { t0: string; labs: string[]; provisional: true }) | undefined;
  equivalence: (CoxA['equivalence'][number] & { lab: string })[];
}

export function labResult(std: PilotStandard, lab: string, readings: readonly ReadingRow[], declaration: Declaration | undefined, k: number, minReadings: number): LabResult | undefined {
  const rows = readings.filter((r) => r.lab === lab && r.standard === std.id && r.verified);
  if (rows.length === 0) return undefined;
  const ref = std.reference;
  const t0 = Date.parse(ref.t0);
  const t = rows.map((r) => (r.time - t0) / DAY_MS);
  const y = rows.map((r) => r.value);
  const fit = lineFit(t, y);
  const issues: string[] = [];
  if (rows.length < minReadings) issues.push(`${rows.length} verified reading(s), ${minReadings} needed`);
  const uA = fit.uMean ?? 0;
  const uB = declaration?.uB ?? null;
  if (uB === null) issues.push('no type B uncertainty declared by the lab (standards[].typeB in its gateway configuration)');
  const u = Math.sqrt(uA * uA + (uB ?? 0) ** 2);
  const dt = fit.tMean;
  const modelValue = ref.x0 + ref.driftPerDay * dt;
  const uModel = Math.sqrt(ref.uX0 ** 2 + (dt * ref.uDriftPerDay) ** 2);
  const d = fit.yMean - modelValue;
  const ud = Math.sqrt(u * u + uModel * uModel + ref.uTransport ** 2);
  const atT0 = { value: fit.yMean - ref.driftPerDay * dt, u: Math.sqrt(u * u + (dt * ref.uDriftPerDay) ** 2 + ref.uTransport ** 2) };
  return {
    standard: std.id,
    lab,
    unit: std.unit,
    n: rows.length,
    from: rows[0]!.time,
    to: rows[rows.length - 1]!.time,
    meanEpoch: t0 + dt * DAY_MS,
    mean: fit.yMean,
    uA,
    uB,
    typeBNote: declaration?.note ?? null,
    u,
    slopePerDay: fit.slope,
    uSlopePerDay: fit.uSlope,
    model: { value: modelValue, u: uModel },
    d,
    ud,
    En: ud > 0 ? d / (k * ud) : Number.NaN,
    atT0,
    complete: issues.length === 0,
    issues,
  };
}

/** Every lab's result for one standard (labs in circulation order) and the provisional reference value. */
export function comparisonResults(
  std: PilotStandard,
  labs: readonly string[],
  readings: readonly ReadingRow[],
  declarations: readonly Declaration[],
  k: number,
  minReadings: number,
): ComparisonResults {
  const results: LabResult[] = [];
  for (const lab of [...new Set(labs)]) {
    const declared = latestDeclaration(declarations, lab, std.id);
    const r = labResult(std, lab, readings, declared, k, minReadings);
    if (r) results.push(r);
  }
  const complete = results.filter((r) => r.complete);
  const cox = coxProcedureA(complete.map((r) => ({ id: r.lab, x: r.atT0.value, u: r.atT0.u })), k);
  return {
    standard: std.id,
    unit: std.unit,
    k,
    labs: results,
    reference: cox ? { value: cox.value, u: cox.u, chi2: cox.chi2, dof: cox.dof, pValue: cox.pValue, consistent: cox.consistent, t0: std.reference.t0, labs: complete.map((r) => r.lab), provisional: true } : undefined,
    equivalence: cox ? cox.equivalence.map((e) => ({ ...e, lab: e.id })) : [],
  };
}

/** The lab's declaration in force: the latest one (by time) for that standard. */
export function latestDeclaration(declarations: readonly Declaration[], lab: string, standard: string): Declaration | undefined {
  let best: Declaration | undefined;
  for (const d of declarations) if (d.lab === lab && d.standard === standard && (!best || d.time >= best.time)) best = d;
  return best;
}

/** Declarations from `standard_declared` event rows (their JSON data). */
export function declarationsOf(events: readonly { lab: string; time: number; standard: string | null; data: string }[]): Declaration[] {
  const out: Declaration[] = [];
  for (const e of events) {
    try {
      const d = JSON.parse(e.data) as { standard?: unknown; typeB?: { u?: unknown; note?: unknown } | null };
      const standard = typeof d.standard === 'string' ? d.standard : e.standard;
      if (!standard) continue;
      const uB = d.typeB && typeof d.typeB.u === 'number' && Number.isFinite(d.typeB.u) ? d.typeB.u : null;
      out.push({ lab: e.lab, standard, uB, note: d.typeB && typeof d.typeB.note === 'string' ? d.typeB.note : null, time: e.time });
    } catch {
      // not a declaration we can read
    }
  }
  return out;
}
