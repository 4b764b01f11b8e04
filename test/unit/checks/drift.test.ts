import { describe, expect, it } from 'vitest';
import { CheckEngine } from '../../../src/checks/engine.js';
import { detail } from '../../../src/checks/summary.js';
import { DAY, MIN, Scenario, run, testStandard, verdictOf } from './scenario.js';

const CYCLES_30_DAYS = (30 * DAY) / (10 * MIN);

describe('drift against the reference model', () => {
  it('recovers an injected drift rate within its uncertainty, and E_b passes', () => {
    const sc = new Scenario(10 * MIN, { driftPerDay: -3e-8 });
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const results = run(engine, sc, CYCLES_30_DAYS);
    const d = detail(engine, 'Z1')!;
    expect(d.drift.n).toBe(CYCLES_30_DAYS);
    expect(d.drift.mode).toBe('ols');
    // Noise 50 nV over 30 days: u(b) ≈ 50e-9/√(n·T²/12) ≈ 9e-11 V/d.
    expect(d.drift.uSlopePerDay!).toBeGreaterThan(5e-11);
    expect(d.drift.uSlopePerDay!).toBeLessThan(2e-10);
    expect(Math.abs(d.drift.slopePerDay! - -3e-8)).toBeLessThan(2 * d.drift.uSlopePerDay!);
    // The temperature correction removed the tempco: the residual SD is the white noise.
    expect(d.drift.residualSd!).toBeGreaterThan(4.5e-8);
    expect(d.drift.residualSd!).toBeLessThan(5.5e-8);
    expect(d.drift.eb!.result).toBe('pass');
    expect(d.drift.eb!.value!).toBeLessThan(2);
    const last = results[results.length - 1]!;
    expect(verdictOf(last, 'drift_rate')).toMatchObject({ result: 'pass' });
    expect(verdictOf(last, 'prediction')!.result).toBe('pass');
    expect(last.annotations!.verified).toBe(true);
    expect(d.verified).toBe(CYCLES_30_DAYS);
  });

  it('flags a standard drifting at 5x its reference rate with E_b > 3', () => {
    const sc = new Scenario(10 * MIN, { driftPerDay: -1.5e-7 });
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const results = run(engine, sc, CYCLES_30_DAYS);
    const d = detail(engine, 'Z1')!;
    expect(Math.abs(d.drift.slopePerDay! - -1.5e-7)).toBeLessThan(2 * d.drift.uSlopePerDay!);
    // E_b = |b − b_ref| / √(u²(b) + u²(b_ref)) ≈ 1.2e-7 / 3e-9 = 40.
    const expected = Math.abs(d.drift.slopePerDay! + 3e-8) / Math.hypot(d.drift.uSlopePerDay!, 3e-9);
    expect(d.drift.eb!.value!).toBeCloseTo(expected, 9);
    expect(d.drift.eb!.value!).toBeGreaterThan(30);
    expect(d.drift.eb!.result).toBe('fail');
    expect(verdictOf(results[results.length - 1]!, 'drift_rate')).toMatchObject({ result: 'fail' });
    // The change of level is journaled once per level, as events.
    const levels = results.flatMap((r) => r.events).filter((e) => e.type === 'drift_rate').map((e) => e.severity);
    expect(levels.at(-1)).toBe('alarm');
    expect(levels.length).toBeLessThan(10); // a few flips near the thresholds at the start, then it stays
    // Failing E_b is a verdict, not a reason to withhold verification.
    expect(results[results.length - 1]!.annotations!.verified).toBe(true);
  });

  it('judges every reading against the reference prediction (E_n)', () => {
    const sc = new Scenario(10 * MIN);
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const [first] = run(engine, sc, 1);
    const en = verdictOf(first!, 'prediction')!;
    // y ≈ ŷ_ref(t0) + noise; u(ŷ_ref) = 1e-7, u_transport = 5e-8: E_n ≈ |noise| / (2·1.118e-7).
    expect(en.result).toBe('pass');
    expect(en.value!).toBeLessThan(1);
  });
});
