import { describe, it, expect } from 'vitest';
import { Cusum, cusumArl, createRng } from '../../../src/checks/stats/index.js';

describe('tabular CUSUM', () => {
  it('follows the recursion and reports onset, size and sign of a noiseless step', () => {
    const c = new Cusum();
    for (let i = 0; i < 10; i++) expect(c.update(0, 100 + i)).toBeNull();
    expect(c.update(3, 110)).toBeNull(); // S⁺ = 2.5
    expect(c.update(3, 111)).toBeNull(); // S⁺ = 5.0, not > h
    const a = c.update(3, 112)!; // S⁺ = 7.5
    expect(a).toMatchObject({ side: 'up', sign: 1, index: 12, at: 112, samples: 3, onset: { index: 10, at: 110 } });
    expect(a.statistic).toBeCloseTo(7.5, 14);
    expect(a.shiftZ).toBeCloseTo(3, 14); // k + S/N = 0.5 + 7.5/3
    expect(c.sPlus).toBe(0); // reset after alarm
    expect(c.count).toBe(13);
  });

  it('detects a downward step with negative sign', () => {
    const c = new Cusum({ k: 0.5, h: 4 });
    const alarms = [-2, -2, -2, -2].map((z) => c.update(z)).filter((a) => a !== null);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.sign).toBe(-1);
    expect(alarms[0]!.shiftZ).toBeCloseTo(-2, 14);
  });

  it('detects a +3σ step quickly, with the right sign and size, in noise (200 seeded runs)', () => {
    const STEP_AT = 50;
    const estimates: number[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const rng = createRng(seed);
      const c = new Cusum();
      let found = false;
      for (let i = 0; i < STEP_AT + 20 && !found; i++) {
        const alarm = c.update(rng.normal() + (i >= STEP_AT ? 3 : 0), i);
        if (alarm && i >= STEP_AT) {
          found = true;
          expect(alarm.sign).toBe(1);
          expect(i - STEP_AT + 1).toBeLessThanOrEqual(8); // theory: ARL(3σ) ≈ 2.4 samples
          expect(alarm.onset.index).toBeLessThanOrEqual(i);
          estimates.push(alarm.shiftZ);
        }
      }
      expect(found, `seed ${seed}`).toBe(true);
    }
    const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    // The classic k + S/N estimate is biased low when the run began before the step.
    expect(Math.abs(mean - 3) / 3).toBeLessThan(0.2);
  });

  it('has the theoretical in-control run length on white noise (k = 0.5, h = 5)', () => {
    const rng = createRng(2026);
    const c = new Cusum();
    const N = 400_000;
    let alarms = 0;
    for (let i = 0; i < N; i++) if (c.update(rng.normal())) alarms++;
    const arl2 = cusumArl(0.5, 5) / 2; // two-sided ≈ 469
    expect(arl2).toBeGreaterThan(460);
    expect(arl2).toBeLessThan(480);
    expect(Math.abs(N / alarms - arl2) / arl2).toBeLessThan(0.12);
  });

  it('does not alarm on 1000 samples of white noise with h sized for it (h = 10, ARL ≈ 70 000)', () => {
    expect(cusumArl(0.5, 10) / 2).toBeGreaterThan(50_000);
    const rng = createRng(1);
    const c = new Cusum({ h: 10 });
    for (let i = 0; i < 1000; i++) expect(c.update(rng.normal())).toBeNull();
  });

  it('persists as JSON and resumes identically', () => {
    const rng = createRng(3);
    const zs = Array.from({ length: 300 }, (_, i) => rng.normal() + (i > 200 ? 1.5 : 0));
    const a = new Cusum();
    let b = new Cusum();
    const alarmsA: unknown[] = [];
    const alarmsB: unknown[] = [];
    zs.forEach((z, i) => {
      alarmsA.push(a.update(z, i));
      alarmsB.push(b.update(z, i));
      if (i % 13 === 0) b = Cusum.fromSnapshot(JSON.parse(JSON.stringify(b.snapshot())));
    });
    expect(alarmsB).toEqual(alarmsA);
    expect(alarmsA.some((x) => x !== null)).toBe(true);
    expect(() => a.update(Number.NaN)).toThrow(RangeError);
    expect(() => new Cusum({ h: 0 })).toThrow(RangeError);
  });
});
