import { describe, it, expect } from 'vitest';
import {
  checkDriftRate,
  checkReading,
  classify,
  driftRateScore,
  predictReference,
  type ReferenceModel,
} from '../../../src/checks/stats/index.js';

describe('E_b drift-rate check', () => {
  it('computes E_b = |b − b_ref| / √(u²(b) + u²(b_ref))', () => {
    expect(driftRateScore({ b: 7, uB: 3, bRef: 2, uBRef: 4 })).toBe(1);
    expect(driftRateScore({ b: -3e-9, uB: 0.6e-9, bRef: 0, uBRef: 0.8e-9 })).toBeCloseTo(3, 12);
  });

  it('classifies on the boundaries: ≤ 2 pass, ≤ 3 warn, > 3 fail', () => {
    const at = (eb: number) => checkDriftRate({ b: eb, uB: 1, bRef: 0, uBRef: 0 });
    expect(at(0)).toEqual({ eb: 0, verdict: 'pass' });
    expect(at(2).verdict).toBe('pass');
    expect(at(2.000001).verdict).toBe('warn');
    expect(at(3).verdict).toBe('warn');
    expect(at(3.000001).verdict).toBe('fail');
    expect(at(-3.5).verdict).toBe('fail');
  });

  it('accepts configured thresholds', () => {
    expect(classify(1.5, { warn: 1, fail: 2 })).toBe('warn');
    expect(classify(2.5, { warn: 1, fail: 2 })).toBe('fail');
    expect(() => classify(1, { warn: 3, fail: 2 })).toThrow(RangeError);
  });

  it('treats zero uncertainty strictly and never passes NaN', () => {
    expect(checkDriftRate({ b: 1, uB: 0, bRef: 1, uBRef: 0 }).verdict).toBe('pass');
    expect(checkDriftRate({ b: 1.1, uB: 0, bRef: 1, uBRef: 0 }).verdict).toBe('fail');
    expect(() => checkDriftRate({ b: Number.NaN, uB: 1, bRef: 0, uBRef: 1 })).toThrow(RangeError);
    expect(() => checkDriftRate({ b: 0, uB: -1, bRef: 0, uBRef: 1 })).toThrow(RangeError);
  });
});

describe('E_n reading against the reference model', () => {
  // 10 V Zener: x0 at t0 (days), drift −0.2 µV/V per year expressed per day.
  const model: ReferenceModel = { x0: 10.0000012, uX0: 0.03e-6, t0: 20400, bRef: -2e-6 / 365, uBRef: 0.3e-6 / 365 };

  it('predicts ŷ_ref(t) = x0 + b_ref(t − t0) with u² = u²(x0) + (t − t0)²u²(b_ref)', () => {
    const p = predictReference(model, 20765);
    expect(p.value).toBeCloseTo(10.0000012 - 2e-6, 15);
    expect(p.u).toBeCloseTo(Math.hypot(0.03e-6, 0.3e-6), 18);
    expect(predictReference(model, 20400).u).toBe(0.03e-6);
  });

  it('passes at E_n = 1 and fails just above, with the sign kept in the deviation', () => {
    const simple: ReferenceModel = { x0: 10, uX0: 0, t0: 0, bRef: 0, uBRef: 0 };
    // k·u = 2·√(0.3² + 0.4²)·1e-6 = 1 µV
    const at = (dev: number) => checkReading(simple, { t: 5, y: 10 + dev, uY: 0.3e-6, uTransport: 0.4e-6 });
    const r = at(-0.999999e-6);
    expect(r.expandedU).toBeCloseTo(1e-6, 20);
    expect(r.pass).toBe(true);
    expect(r.deviation).toBeLessThan(0);
    expect(at(1.000002e-6).pass).toBe(false);
    expect(at(1.000002e-6).en).toBeCloseTo(1.000002, 5);
    expect(checkReading(simple, { t: 0, y: 10.5, uY: 0.25, k: 1 }).en).toBeCloseTo(2, 12);
  });

  it('includes the growth of the prediction uncertainty with time', () => {
    const y = predictReference(model, 21130).value + 1e-6;
    const r = checkReading(model, { t: 21130, y, uY: 0.05e-6 });
    const uPred = Math.hypot(0.03e-6, 730 * (0.3e-6 / 365));
    // y at 10 V carries the 1 µV deviation to ~1e-9 relative (double ulp at 10 is 1.8e-15).
    expect(r.en).toBeCloseTo(1e-6 / (2 * Math.hypot(0.05e-6, uPred)), 7);
    expect(r.predicted.u).toBeCloseTo(uPred, 18);
    expect(() => checkReading(model, { t: 21130, y, uY: 0.05e-6, k: 0 })).toThrow(RangeError);
  });
});
