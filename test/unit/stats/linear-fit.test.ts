import { describe, it, expect } from 'vitest';
import { OnlineLinearFit, fitPoints, type FitResult } from '../../../src/checks/stats/index.js';
import { createRng } from '../../../src/checks/stats/random.js';
import { exactLineFit } from './exact-fit.js';
import { NORRIS, NORRIS_CERTIFIED } from '../../fixtures/nist-norris.js';

const CERT = NORRIS_CERTIFIED;
const KEYS = ['slope', 'uSlope', 'intercept', 'uIntercept', 'residualSd', 'r2'] as const;
const TEN_DIGITS = 5e-11;

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

function expectRel(actual: number, expected: number, tol: number, what = ''): void {
  expect(rel(actual, expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(tol);
}

function fit(ts: readonly number[], ys: readonly number[]): FitResult {
  const r = fitPoints(ts.map((t, i) => ({ t, y: ys[i]! })));
  if (!r) throw new Error('no fit');
  return r;
}

const X = NORRIS.map(([, x]) => x);
const Y = NORRIS.map(([y]) => y);
const T_OFFSET = 20454; // days since 1970: a 2026 date
const xMean = X.reduce((a, b) => a + b, 0) / X.length;

describe('OnlineLinearFit against NIST StRD Norris', () => {
  it('has the 36 published observations', () => {
    expect(NORRIS).toHaveLength(36);
  });

  it('reproduces the certified values to ≥ 10 significant digits', () => {
    const r = fit(X, Y);
    expect(r.n).toBe(36);
    expect(r.dof).toBe(34);
    for (const k of KEYS) expectRel(r[k], CERT[k], TEN_DIGITS, k);
  });

  it('keeps ≥ 10 digits with t offset by 20454 days', () => {
    const r = fit(X.map((x) => x + T_OFFSET), Y);
    // Intercept at the new t = 0 is a − 20454·b; var = var(a) + T²var(b) + 2T·x̄·var(b).
    const uA2 = CERT.uIntercept ** 2 + (T_OFFSET ** 2 + 2 * T_OFFSET * xMean) * CERT.uSlope ** 2;
    expectRel(r.slope, CERT.slope, TEN_DIGITS, 'slope');
    expectRel(r.uSlope, CERT.uSlope, TEN_DIGITS, 'uSlope');
    expectRel(r.intercept, CERT.intercept - T_OFFSET * CERT.slope, TEN_DIGITS, 'intercept');
    expectRel(r.uIntercept, Math.sqrt(uA2), TEN_DIGITS, 'uIntercept');
    expectRel(r.residualSd, CERT.residualSd, TEN_DIGITS, 'residualSd');
    expectRel(r.r2, CERT.r2, TEN_DIGITS, 'r2');
    // The line at the data's own abscissa still gives the certified intercept.
    expectRel(r.predict(T_OFFSET).value, CERT.intercept, TEN_DIGITS, 'predict(T)');
    expectRel(r.predict(T_OFFSET).u, CERT.uIntercept, TEN_DIGITS, 'u predict(T)');
  });

  describe('10 V nominal: t + 20454 d, y′ = 10 + y·1e-6', () => {
    const ts = X.map((x) => x + T_OFFSET);
    const ys = Y.map((y) => 10 + y * 1e-6);
    const r = fit(ts, ys);

    it('matches the exact solution for the same double inputs to ≥ 10 digits', () => {
      const exact = exactLineFit(ts, ys);
      for (const k of KEYS) expectRel(r[k], exact[k], TEN_DIGITS, k);
      expectRel(r.intercept - 10, exact.intercept - 10, TEN_DIGITS, 'intercept − 10');
    });

    it('matches the transformed certified values', () => {
      const uA2 = CERT.uIntercept ** 2 + (T_OFFSET ** 2 + 2 * T_OFFSET * xMean) * CERT.uSlope ** 2;
      expectRel(r.slope, CERT.slope * 1e-6, TEN_DIGITS, 'slope');
      expectRel((r.intercept - 10) * 1e6, CERT.intercept - T_OFFSET * CERT.slope, TEN_DIGITS, 'ppm part of intercept');
      expectRel(r.r2, CERT.r2, TEN_DIGITS, 'r2');
      // Rounding 10 + y·1e-6 to a double (ulp 1.8e-15 V) perturbs each 0.9 µV residual by ~2e-9
      // relative: the inputs themselves only carry the residual SD to ~7e-11. The algorithm adds
      // nothing (previous test); against the certified values we allow that representation error.
      const REPRESENTATION = 2e-10;
      expectRel(r.residualSd, CERT.residualSd * 1e-6, REPRESENTATION, 'residualSd');
      expectRel(r.uSlope, CERT.uSlope * 1e-6, REPRESENTATION, 'uSlope');
      expectRel(r.uIntercept, Math.sqrt(uA2) * 1e-6, REPRESENTATION, 'uIntercept');
    });
  });

  it('gives the same result whatever the order of the points', () => {
    const a = fit(X, Y);
    const idx = X.map((_, i) => i).reverse();
    const b = fit(idx.map((i) => X[i]!), idx.map((i) => Y[i]!));
    for (const k of KEYS) expectRel(b[k], a[k], 1e-12, k);
  });
});

describe('OnlineLinearFit weighted', () => {
  it('equal weights reproduce OLS (estimates; uncertainties with Birge scaling)', () => {
    const ols = fit(X, Y);
    const sigma = 0.7;
    const pts = X.map((t, i) => ({ t, y: Y[i]!, u: sigma }));
    const abs = fitPoints(pts)!;
    const scaled = fitPoints(pts, { scaleByChi2: true })!;
    expect(abs.mode).toBe('wls');
    for (const r of [abs, scaled]) {
      for (const k of ['slope', 'intercept', 'residualSd', 'r2', 'tMean', 'yMean'] as const) {
        expectRel(r[k], ols[k], 1e-12, k);
      }
    }
    expectRel(scaled.uSlope, ols.uSlope, 1e-12, 'scaled uSlope');
    expectRel(scaled.uIntercept, ols.uIntercept, 1e-12, 'scaled uIntercept');
    // Absolute weights: u(b) = σ/√S_tt, independent of the scatter.
    expectRel(abs.uSlope, (ols.uSlope * sigma) / ols.residualSd, 1e-12, 'absolute uSlope');
    expectRel(abs.reducedChi2!, (ols.residualSd / sigma) ** 2, 1e-12, 'reduced χ²');
  });

  it('solves a hand-computed case exactly', () => {
    // w = 1, 1, 4: t̄ = 1.5, ȳ = 17/6, S_tt = 3.5, S_ty = 7.5, S_yy = 101/6.
    const r = fitPoints([{ t: 0, y: 0, u: 1 }, { t: 1, y: 1, u: 1 }, { t: 2, y: 4, u: 0.5 }])!;
    const close = (a: number, b: number): void => expect(a).toBeCloseTo(b, 14);
    close(r.slope, 15 / 7);
    close(r.intercept, -8 / 21);
    close(r.uSlope, 1 / Math.sqrt(3.5));
    close(r.uIntercept, Math.sqrt(17 / 21));
    close(r.tMean, 1.5);
    close(r.yMean, 17 / 6);
    close(r.ssr, 16 / 21);
    close(r.reducedChi2!, 16 / 21);
    close(r.residualSd, Math.sqrt(8 / 21));
    close(r.r2, 1 - 32 / 707);
    close(r.predict(1.5).u, Math.sqrt(1 / 6));
    const s = fitPoints([{ t: 0, y: 0, u: 1 }, { t: 1, y: 1, u: 1 }, { t: 2, y: 4, u: 0.5 }], { scaleByChi2: true })!;
    close(s.uSlope, Math.sqrt(32 / 147));
  });

  it('accumulates the same χ² as a direct sum of weighted residuals', () => {
    const rng = createRng(7);
    const pts = Array.from({ length: 200 }, (_, i) => {
      const u = 1e-7 * (1 + 3 * rng.uniform());
      return { t: 20454 + i * 0.25, y: 10 + 2e-8 * i * 0.25 + u * rng.normal(), u };
    });
    const r = fitPoints(pts)!;
    const direct = pts.reduce((acc, p) => acc + ((p.y - r.predict(p.t).value) / p.u) ** 2, 0);
    expectRel(r.ssr, direct, 1e-6);
    expect(r.reducedChi2!).toBeGreaterThan(0.7);
    expect(r.reducedChi2!).toBeLessThan(1.3);
    expect(Math.abs(r.slope - 2e-8) / r.uSlope).toBeLessThan(4);
  });
});

describe('OnlineLinearFit state', () => {
  it('returns null until the line and its uncertainty are determined', () => {
    const f = new OnlineLinearFit();
    expect(f.result()).toBeNull();
    f.add(1, 1);
    f.add(2, 2);
    expect(f.result()).toBeNull(); // n = 2: no degrees of freedom
    const g = new OnlineLinearFit();
    for (let i = 0; i < 5; i++) g.add(3, i);
    expect(g.result()).toBeNull(); // all t equal
    g.add(4, 10);
    const r = g.result()!;
    // Stacked points at t = 3 (mean 2) plus one at t = 4: line through (3, 2) and (4, 10).
    expect(r.slope).toBeCloseTo(8, 12);
    expect(r.ssr).toBeCloseTo(10, 12); // Σ (i − 2)² for i = 0..4
  });

  it('snapshot size does not grow with n', () => {
    const rng = createRng(99);
    const f = new OnlineLinearFit();
    const sizes = new Map<number, number>();
    let keys: string[] = [];
    for (let i = 1; i <= 100_000; i++) {
      f.add(20454 + i / 1440, 10 + 1e-8 * rng.normal());
      if (i === 10 || i === 1000 || i === 100_000) {
        const snap = f.snapshot();
        sizes.set(i, JSON.stringify(snap).length);
        for (const v of Object.values(snap)) expect(typeof v === 'object' && v !== null).toBe(false);
        if (i === 10) keys = Object.keys(snap).sort();
        else expect(Object.keys(snap).sort()).toEqual(keys);
      }
    }
    // Only the number of digits of a fixed set of fields may vary.
    for (const size of sizes.values()) expect(size).toBeLessThan(400);
  });

  it('restored from a JSON snapshot, equals the uninterrupted fit bit for bit', () => {
    const whole = new OnlineLinearFit();
    let part = new OnlineLinearFit();
    NORRIS.forEach(([y, x], i) => {
      whole.add(x, y);
      part.add(x, y);
      if (i % 7 === 0) part = OnlineLinearFit.fromSnapshot(JSON.parse(JSON.stringify(part.snapshot())));
    });
    expect(part.snapshot()).toEqual(whole.snapshot());
    expect(part.result()!.slope).toBe(whole.result()!.slope);
  });

  it('enforces the mode and rejects bad input', () => {
    const f = new OnlineLinearFit();
    f.add(0, 1, 0.1);
    expect(f.mode).toBe('wls');
    expect(() => f.add(1, 1)).toThrow(RangeError);
    const g = new OnlineLinearFit();
    g.add(0, 1);
    expect(() => g.add(1, 1, 0.1)).toThrow(RangeError);
    const o = new OnlineLinearFit({ mode: 'ols' });
    o.add(0, 1, 0.1); // u ignored
    expect(o.mode).toBe('ols');
    expect(() => new OnlineLinearFit({ mode: 'wls' }).add(0, 1)).toThrow(RangeError);
    expect(() => f.add(1, 1, 0)).toThrow(RangeError);
    expect(() => g.add(Number.NaN, 1)).toThrow(RangeError);
    expect(() => OnlineLinearFit.fromSnapshot({ ...g.snapshot(), stt: Number.NaN })).toThrow(RangeError);
  });
});
