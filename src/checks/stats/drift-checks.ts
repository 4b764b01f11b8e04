/**
 * Drift checks against the pilot laboratory's reference model (DOMAIN.md, "Formulas").
 *
 * Contract:
 * - Drift rate: E_b = |b − b_ref| / √(u²(b) + u²(b_ref)). Verdict 'pass' when E_b ≤ warn,
 *   'warn' when warn < E_b ≤ fail, 'fail' when E_b > fail (defaults warn = 2, fail = 3).
 * - Reference prediction: ŷ_ref(t) = x0 + b_ref·(t − t0), u²(ŷ_ref) = u²(x0) + (t − t0)²·u²(b_ref)
 *   (x0 and b_ref taken as uncorrelated, as the pilot's model is usually stated).
 * - Reading against prediction: E_n = |y − ŷ_ref(t)| / (k·√(u²(y) + u²(ŷ_ref(t)) + u²_transport)),
 *   k = 2 by default; passes when E_n ≤ 1. `deviation` keeps the sign of y − ŷ_ref(t).
 * - A zero combined uncertainty gives E = 0 when the values agree exactly, else +∞ (so 'fail').
 * - Inputs must be finite and uncertainties ≥ 0; anything else throws a RangeError — a NaN never
 *   turns silently into a 'pass'. Pure functions, no state. t, t0 and b_ref share one time unit.
 */

export type Verdict = 'pass' | 'warn' | 'fail';

export interface DriftThresholds {
  /** E_b above this warns. Default 2. */
  warn: number;
  /** E_b above this fails. Default 3. */
  fail: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({ warn: 2, fail: 3 });

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number, got ${v}`);
}

function uncertainty(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be finite and ≥ 0, got ${v}`);
}

function ratio(num: number, den: number): number {
  if (den > 0) return num / den;
  return num === 0 ? 0 : Number.POSITIVE_INFINITY;
}

/** Classify a score against warn/fail thresholds (boundaries inclusive on the better side). */
export function classify(score: number, thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS): Verdict {
  if (Number.isNaN(score)) throw new RangeError('classify: score is NaN');
  if (!(thresholds.warn > 0) || !(thresholds.fail >= thresholds.warn)) {
    throw new RangeError(`classify: need 0 < warn ≤ fail, got ${thresholds.warn}/${thresholds.fail}`);
  }
  if (score > thresholds.fail) return 'fail';
  if (score > thresholds.warn) return 'warn';
  return 'pass';
}

export interface DriftRateInput {
  /** Observed drift rate and its standard uncertainty. */
  b: number;
  uB: number;
  /** Reference drift rate and its standard uncertainty. */
  bRef: number;
  uBRef: number;
}

export interface DriftRateCheck {
  eb: number;
  verdict: Verdict;
}

export function driftRateScore(input: DriftRateInput): number {
  finite('b', input.b);
  finite('bRef', input.bRef);
  uncertainty('uB', input.uB);
  uncertainty('uBRef', input.uBRef);
  return ratio(Math.abs(input.b - input.bRef), Math.hypot(input.uB, input.uBRef));
}

export function checkDriftRate(
  input: DriftRateInput,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): DriftRateCheck {
  const eb = driftRateScore(input);
  return { eb, verdict: classify(eb, thresholds) };
}

export interface ReferenceModel {
  /** Reference value at t0 and its standard uncertainty. */
  x0: number;
  uX0: number;
  t0: number;
  /** Reference drift rate (per unit of t) and its standard uncertainty. */
  bRef: number;
  uBRef: number;
}

export interface ReferencePrediction {
  value: number;
  u: number;
}

export function predictReference(model: ReferenceModel, t: number): ReferencePrediction {
  finite('x0', model.x0);
  finite('t0', model.t0);
  finite('bRef', model.bRef);
  finite('t', t);
  uncertainty('uX0', model.uX0);
  uncertainty('uBRef', model.uBRef);
  const dt = t - model.t0;
  return { value: model.x0 + model.bRef * dt, u: Math.hypot(model.uX0, dt * model.uBRef) };
}

export interface ReadingCheckInput {
  t: number;
  y: number;
  /** Standard uncertainty of the reading. */
  uY: number;
  /** Extra standard uncertainty from transport. Default 0. */
  uTransport?: number;
  /** Coverage factor. Default 2. */
  k?: number;
}

export interface ReadingCheck {
  en: number;
  /** y − ŷ_ref(t), signed. */
  deviation: number;
  predicted: ReferencePrediction;
  /** k·√(u²(y) + u²(ŷ_ref) + u²_transport). */
  expandedU: number;
  pass: boolean;
}

export function checkReading(model: ReferenceModel, input: ReadingCheckInput): ReadingCheck {
  const k = input.k ?? 2;
  const uT = input.uTransport ?? 0;
  finite('y', input.y);
  uncertainty('uY', input.uY);
  uncertainty('uTransport', uT);
  if (!Number.isFinite(k) || k <= 0) throw new RangeError(`k must be finite and > 0, got ${k}`);
  const predicted = predictReference(model, input.t);
  const deviation = input.y - predicted.value;
  const expandedU = k * Math.sqrt(input.uY * input.uY + predicted.u * predicted.u + uT * uT);
  const en = ratio(Math.abs(deviation), expandedU);
  return { en, deviation, predicted, expandedU, pass: en <= 1 };
}
