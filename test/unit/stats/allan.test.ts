import { describe, it, expect } from 'vitest';
import { createRng, fitPoints, octaveFactors, overlappingAdev } from '../../../src/checks/stats/index.js';

describe('overlapping Allan deviation', () => {
  it('matches a hand-computed example', () => {
    // y = 1 3 2 5 4 6, τ0 = 1.
    // m = 1: differences 2 −1 3 −1 2 → Σ = 19 over 5 terms → σ² = 19/(2·5) = 1.9
    // m = 2: pair-average sums y_{i+2}−y_i = 1 2 2 1 → D = 3 4 3 → Σ = 34 → σ² = 34/(2·4·3) = 17/12
    const r = overlappingAdev([1, 3, 2, 5, 4, 6], 1);
    expect(r.map((p) => p.m)).toEqual([1, 2]);
    expect(r.map((p) => p.n)).toEqual([5, 3]);
    expect(r[0]!.adev).toBeCloseTo(Math.sqrt(1.9), 14);
    expect(r[1]!.adev).toBeCloseTo(Math.sqrt(17 / 12), 14);
    const scaled = overlappingAdev([1, 3, 2, 5, 4, 6], 60);
    expect(scaled.map((p) => p.tau)).toEqual([60, 120]);
    expect(scaled[1]!.adev).toBeCloseTo(Math.sqrt(17 / 12), 14); // σ_y does not depend on τ0
  });

  it('falls as τ^(−1/2) for white noise, also on a 10 V offset', () => {
    const rng = createRng(42);
    const N = 65536;
    const sigma = 1e-8;
    const y = Array.from({ length: N }, () => 10 + sigma * rng.normal());
    const r = overlappingAdev(y, 2);
    expect(r[0]!.tau).toBe(2);
    expect(Math.abs(r[0]!.adev - sigma) / sigma).toBeLessThan(0.02);
    const pts = r.filter((p) => p.m <= N / 64).map((p) => ({ t: Math.log(p.tau), y: Math.log(p.adev) }));
    expect(pts.length).toBeGreaterThanOrEqual(10);
    const slope = fitPoints(pts)!.slope;
    expect(Math.abs(slope + 0.5)).toBeLessThan(0.1);
    // Offset invariance.
    const r0 = overlappingAdev(y.map((v) => v - 10), 2);
    r.forEach((p, i) => expect(Math.abs(p.adev - r0[i]!.adev) / p.adev).toBeLessThan(1e-6));
  });

  it('uses octave factors up to M/3 and validates explicit ones', () => {
    expect(octaveFactors(100)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(octaveFactors(2)).toEqual([]);
    expect(overlappingAdev([1, 2, 3, 4], 1, { ms: [2] })[0]!.n).toBe(1);
    expect(() => overlappingAdev([1, 2, 3, 4], 1, { ms: [3] })).toThrow(RangeError);
    expect(() => overlappingAdev([1, Number.NaN, 3], 1)).toThrow(RangeError);
    expect(() => overlappingAdev([1, 2, 3], 0)).toThrow(RangeError);
  });
});
