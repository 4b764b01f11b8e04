/**
 * The statistics of the pilot's results, as pure functions (no I/O, no clock).
 *
 * - `lineFit`: ordinary least squares y = ȳ + b·(t − t̄) with centred sums (two passes), residual
 *   standard deviation s = √(Σr²/(n − 2)), u(b) = s/√S_tt, and the standard uncertainty of the
 *   fitted value at the mean epoch t̄, s/√n (for n = 2 the scatter about the mean is used instead).
 * - `coxProcedureA` (M. G. Cox, Metrologia 39 (2002) 589, procedure A): the weighted mean
 *   x_ref = Σ(x_i/u_i²) / Σ(1/u_i²), u(x_ref) = (Σ 1/u_i²)^(−1/2), the observed
 *   χ²_obs = Σ (x_i − x_ref)²/u_i² with ν = N − 1 degrees of freedom, and the consistency check
 *   Pr{χ²(ν) > χ²_obs} ≥ 0.05. Degrees of equivalence d_i = x_i − x_ref with
 *   u²(d_i) = u_i² − u²(x_ref) (each x_i took part in the mean), U(d_i) = k·u(d_i),
 *   E_n,i = d_i / U(d_i).
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

export interface LineFit {
  n: number;
  /** Mean of t and y. */
  tMean: number;
  yMean: number;
  /** Slope (y per unit of t); null with fewer than 2 distinct times. */
  slope: number | null;
  uSlope: number | null;
  /** Residual standard deviation (n ≥ 3), or the standard deviation about the mean (n = 2). */
  s: number | null;
  /** Standard uncertainty of the fitted value at t̄. */
  uMean: number | null;
}

export function lineFit(t: readonly number[], y: readonly number[]): LineFit {
  const n = Math.min(t.length, y.length);
  if (n === 0) return { n, tMean: Number.NaN, yMean: Number.NaN, slope: null, uSlope: null, s: null, uMean: null };
  let st = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    st += t[i]!;
    sy += y[i]!;
  }
  const tMean = st / n;
  const yMean = sy / n;
  let stt = 0;
  let sty = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dt = t[i]! - tMean;
    const dy = y[i]! - yMean;
    stt += dt * dt;
    sty += dt * dy;
    syy += dy * dy;
  }
  if (n < 3 || stt === 0) {
    const s = n >= 2 ? Math.sqrt(syy / (n - 1)) : null;
    return { n, tMean, yMean, slope: n >= 2 && stt > 0 ? sty / stt : null, uSlope: null, s, uMean: s === null ? null : s / Math.sqrt(n) };
  }
  const slope = sty / stt;
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i]! - yMean - slope * (t[i]! - tMean);
    ssr += r * r;
  }
  const s = Math.sqrt(ssr / (n - 2));
  return { n, tMean, yMean, slope, uSlope: s / Math.sqrt(stt), s, uMean: s / Math.sqrt(n) };
}

export interface WeightedInput {
  id: string;
  x: number;
  /** Standard uncertainty (k=1), > 0. */
  u: number;
}

export interface Equivalence {
  id: string;
  x: number;
  u: number;
  d: number;
  ud: number;
  /** k·u(d). */
  U: number;
  En: number;
}

export interface CoxA {
  value: number;
  u: number;
  chi2: number;
  dof: number;
  /** Pr{χ²(ν) > χ²_obs}. */
  pValue: number;
  /** pValue ≥ 0.05. */
  consistent: boolean;
  equivalence: Equivalence[];
}

/** Cox's procedure A on values with positive uncertainties; undefined for fewer than 2 values. */
export function coxProcedureA(values: readonly WeightedInput[], k = 2): CoxA | undefined {
  const usable = values.filter((v) => Number.isFinite(v.x) && Number.isFinite(v.u) && v.u > 0);
  if (usable.length < 2) return undefined;
  let sw = 0;
  let swx = 0;
  for (const v of usable) {
    const w = 1 / (v.u * v.u);
    sw += w;
    swx += w * v.x;
  }
  const value = swx / sw;
  const u = Math.sqrt(1 / sw);
  let chi2 = 0;
  for (const v of usable) chi2 += ((v.x - value) / v.u) ** 2;
  const dof = usable.length - 1;
  const pValue = 1 - chisquareCdf(chi2, dof);
  const equivalence = usable.map((v) => {
    const d = v.x - value;
    const ud = Math.sqrt(Math.max(0, v.u * v.u - u * u));
    const U = k * ud;
    return { id: v.id, x: v.x, u: v.u, d, ud, U, En: U > 0 ? d / U : Number.NaN };
  });
  return { value, u, chi2, dof, pValue, consistent: pValue >= 0.05, equivalence };
}
