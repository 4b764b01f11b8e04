/**
 * Online straight-line least-squares fit y = a + b·t, ordinary (OLS) or weighted (WLS).
 *
 * Contract:
 * - `add(t, y, u?)` costs O(1) time and memory whatever the history length; the state is a fixed
 *   set of numbers (see `LinearFitSnapshot`), persisted with `snapshot()` and rebuilt with
 *   `OnlineLinearFit.fromSnapshot()`; a restored fit continues bit-for-bit like the original.
 * - Numerically stable: all sums are kept about an internal origin (the first point, subtracted
 *   exactly by Sterbenz's lemma for nearby values) and updated with weighted Welford recurrences
 *   for the means and co-moments S_tt, S_ty, S_yy. The residual sum of squares is accumulated
 *   directly from recursive residuals, SSR += c·e²/(1 + c·dt²/S_tt) with e the prediction error of
 *   the new point against the previous fit — algebraically equal to S_yy − b·S_ty but without its
 *   catastrophic cancellation when R² → 1. Large offsets in t (epoch-days ~20000) and in y (10 V with
 *   ppm variation) therefore keep ≥ 10 significant digits (checked against NIST StRD Norris).
 * - OLS: b = S_ty/S_tt, s² = SSR/(n − 2), u(b) = s/√S_tt, u²(ŷ(t)) = s²[1/n + (t − t̄)²/S_tt].
 * - WLS (weights w = 1/u², u the standard uncertainty of each y): weighted means and co-moments,
 *   b = S_ty/S_tt, χ² = Σ w r², u(b) = 1/√S_tt, u²(ŷ(t)) = 1/Σw + (t − t̄_w)²/S_tt.
 *   Textbook choice (Bevington; ISO/TS 28037 with known uncertainties): the u are taken as ABSOLUTE,
 *   the uncertainties are NOT scaled by the reduced χ². Set `scaleByChi2: true` to multiply them by
 *   the Birge ratio √(χ²/(n − 2)) (then equal weights give exactly the OLS uncertainties).
 *   `residualSd` for WLS is √(χ²/(n − 2) · n/Σw), in y units; with equal weights it equals OLS s.
 * - Mode: 'auto' (default) locks to WLS if the first point carries u, else OLS; a later point that
 *   does not match throws. 'ols' ignores any u; 'wls' requires u on every point.
 * - `result()` is null until n ≥ 3 and the t values are not all equal (S_tt > 0).
 * - Non-finite t or y, or a u that is not finite and > 0 where needed, throw a RangeError.
 */

export type FitMode = 'ols' | 'wls';

export interface LinearFitOptions {
  mode?: 'auto' | FitMode;
  /** WLS only: scale uncertainties by the Birge ratio √(χ²/(n−2)). Default false. */
  scaleByChi2?: boolean;
}

export interface Prediction {
  value: number;
  /** Standard uncertainty of the fitted line at t (not of a new single reading). */
  u: number;
}

export interface FitResult {
  mode: FitMode;
  n: number;
  /** Degrees of freedom, n − 2. */
  dof: number;
  slope: number;
  uSlope: number;
  /** Value of the line at t = 0. */
  intercept: number;
  uIntercept: number;
  /** Mean of t (weighted for WLS); the slope and the line value there are uncorrelated. */
  tMean: number;
  /** Mean of y (weighted for WLS); equals the line value at tMean. */
  yMean: number;
  residualSd: number;
  r2: number;
  /** Σ r² (OLS) or χ² = Σ w r² (WLS). */
  ssr: number;
  /** χ²/(n − 2) for WLS; null for OLS. */
  reducedChi2: number | null;
  predict(t: number): Prediction;
}

export interface LinearFitSnapshot {
  v: 1;
  mode: 'auto' | FitMode;
  locked: FitMode | null;
  scaleByChi2: boolean;
  n: number;
  /** Σw (= n for OLS). */
  sw: number;
  /** Internal origin: the first point. */
  t0: number;
  y0: number;
  /** Means about the origin. */
  mt: number;
  my: number;
  stt: number;
  sty: number;
  syy: number;
  ssr: number;
}

const NUMERIC_KEYS = ['n', 'sw', 't0', 'y0', 'mt', 'my', 'stt', 'sty', 'syy', 'ssr'] as const;

export class OnlineLinearFit {
  private s: LinearFitSnapshot;
  /** `result()` since the last `add` (undefined: not computed yet): the checks ask for it more
   *  than once per reading, and each answer is an object and a closure. */
  private memo: FitResult | null | undefined;

  constructor(options: LinearFitOptions = {}) {
    this.s = {
      v: 1,
      mode: options.mode ?? 'auto',
      locked: options.mode === 'ols' || options.mode === 'wls' ? options.mode : null,
      scaleByChi2: options.scaleByChi2 ?? false,
      n: 0, sw: 0, t0: 0, y0: 0, mt: 0, my: 0, stt: 0, sty: 0, syy: 0, ssr: 0,
    };
  }

  static fromSnapshot(snap: LinearFitSnapshot): OnlineLinearFit {
    if (snap === null || typeof snap !== 'object' || snap.v !== 1) {
      throw new RangeError('OnlineLinearFit.fromSnapshot: unknown snapshot version');
    }
    for (const k of NUMERIC_KEYS) {
      if (typeof snap[k] !== 'number' || !Number.isFinite(snap[k])) {
        throw new RangeError(`OnlineLinearFit.fromSnapshot: field ${k} is not a finite number`);
      }
    }
    if (!Number.isInteger(snap.n) || snap.n < 0 || snap.stt < 0 || snap.syy < 0 || snap.ssr < 0) {
      throw new RangeError('OnlineLinearFit.fromSnapshot: inconsistent state');
    }
    const fit = new OnlineLinearFit({ mode: snap.mode, scaleByChi2: snap.scaleByChi2 });
    fit.s = { ...snap };
    return fit;
  }

  get n(): number {
    return this.s.n;
  }

  /** The mode in force, or null while 'auto' has seen no point. */
  get mode(): FitMode | null {
    return this.s.locked;
  }

  snapshot(): LinearFitSnapshot {
    return { ...this.s };
  }

  add(t: number, y: number, u?: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(y)) {
      throw new RangeError(`OnlineLinearFit.add: t and y must be finite (t=${t}, y=${y})`);
    }
    const s = this.s;
    this.memo = undefined;
    let mode = s.locked;
    if (mode === null) mode = u === undefined ? 'ols' : 'wls';
    else if (s.mode === 'auto' && (mode === 'wls') !== (u !== undefined)) {
      throw new RangeError(`OnlineLinearFit.add: fit is ${mode}; every point must ${mode === 'wls' ? '' : 'not '}carry u`);
    }
    let w = 1;
    if (mode === 'wls') {
      if (u === undefined || !Number.isFinite(u) || u <= 0) {
        throw new RangeError(`OnlineLinearFit.add: weighted fit needs a finite u > 0, got ${u}`);
      }
      w = 1 / (u * u);
    }
    s.locked = mode;

    if (s.n === 0) {
      s.t0 = t; s.y0 = y; s.sw = w; s.n = 1;
      s.mt = 0; s.my = 0; s.stt = 0; s.sty = 0; s.syy = 0; s.ssr = 0;
      return;
    }
    const dt = t - s.t0 - s.mt;
    const dy = y - s.y0 - s.my;
    const swNew = s.sw + w;
    const c = (w * s.sw) / swNew;
    if (s.stt > 0) {
      const e = dy - (s.sty / s.stt) * dt;
      s.ssr += (c * e * e) / (1 + (c * dt * dt) / s.stt);
    } else if (dt === 0) {
      // All t equal so far: the scatter is pure error about the mean.
      s.ssr = s.syy + c * dy * dy;
    } // else: first distinct t; the new line passes through it, SSR stays S_yy of the stack.
    s.stt += c * dt * dt;
    s.sty += c * dt * dy;
    s.syy += c * dy * dy;
    s.mt += (dt * w) / swNew;
    s.my += (dy * w) / swNew;
    s.sw = swNew;
    s.n += 1;
  }

  /** The fit now; the same object until the next `add` (callers must not change it). */
  result(): FitResult | null {
    if (this.memo === undefined) this.memo = this.compute();
    return this.memo;
  }

  private compute(): FitResult | null {
    const s = this.s;
    if (s.n < 3 || !(s.stt > 0) || s.locked === null) return null;
    const mode = s.locked;
    const dof = s.n - 2;
    const ssr = Math.max(0, s.ssr);
    const slope = s.sty / s.stt;
    const tMean = s.t0 + s.mt;
    const yMean = s.y0 + s.my;
    // Variance factor k² and the "1/n" term of the line's variance at t̄.
    let k2: number;
    let atMean: number;
    let residualSd: number;
    if (mode === 'ols') {
      k2 = ssr / dof;
      atMean = 1 / s.n;
      residualSd = Math.sqrt(k2);
    } else {
      k2 = s.scaleByChi2 ? ssr / dof : 1;
      atMean = 1 / s.sw;
      residualSd = Math.sqrt(((ssr / dof) * s.n) / s.sw);
    }
    const { t0, y0, mt, my, stt } = s;
    const predict = (t: number): Prediction => {
      const d = t - t0 - mt;
      return { value: y0 + (my + slope * d), u: Math.sqrt(k2 * (atMean + (d * d) / stt)) };
    };
    const at0 = predict(0);
    return {
      mode,
      n: s.n,
      dof,
      slope,
      uSlope: Math.sqrt(k2 / stt),
      intercept: at0.value,
      uIntercept: at0.u,
      tMean,
      yMean,
      residualSd,
      r2: s.syy > 0 ? 1 - ssr / s.syy : Number.NaN,
      ssr,
      reducedChi2: mode === 'wls' ? ssr / dof : null,
      predict,
    };
  }
}

export interface FitPoint {
  t: number;
  y: number;
  u?: number;
}

/** Batch fit of a list of points with the same algorithm (and contract) as `OnlineLinearFit`. */
export function fitPoints(points: Iterable<FitPoint>, options: LinearFitOptions = {}): FitResult | null {
  const fit = new OnlineLinearFit(options);
  for (const p of points) fit.add(p.t, p.y, p.u);
  return fit.result();
}
