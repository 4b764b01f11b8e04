/**
 * The pilot's results on a constructed data set whose every figure is worked out by hand here:
 * three labs' readings around the reference model (residuals chosen so the drift fit is exact),
 * their type B declarations, E_n against the model, Cox procedure A's weighted mean, its
 * uncertainty, χ² (ν = 2, where Pr{χ² > x} = e^(−x/2)) and the degrees of equivalence.
 */
import { describe, expect, it } from 'vitest';
import { comparisonResults, declarationsOf, type Declaration } from '../../src/pilot/analysis/results.js';
import { coxProcedureA, lineFit } from '../../src/pilot/analysis/stats.js';
import { routeOf } from '../../src/pilot/analysis/route.js';
import type { PilotStandard } from '../../src/pilot/config.js';
import type { EventRow, ReadingRow } from '../../src/pilot/types.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const std: PilotStandard = {
  id: 'Z1',
  quantity: 'voltage',
  nominal: 10,
  unit: 'V',
  reference: { t0: '2026-01-01T00:00:00Z', x0: 10.000001, uX0: 0.1e-6, driftPerDay: 1e-8, uDriftPerDay: 1e-9, uTransport: 0.05e-6 },
};

/** Three readings on days t̄−1, t̄, t̄+1 with mean m, the model's slope, and residuals (r, −2r, r). */
function visit(lab: string, day: number, mean: number, r: number): ReadingRow[] {
  return [-1, 0, 1].map((k, i) => ({
    gateway: `gw-${lab}`,
    seq: i + 1,
    lab,
    standard: 'Z1',
    time: T0 + (day + k) * DAY,
    value: mean + 1e-8 * k + [r, -2 * r, r][i]!,
    u: null,
    unit: 'V',
    verified: true,
  }));
}

const close = (actual: number, expected: number, tolerance: number) => expect(Math.abs(actual - expected)).toBeLessThan(tolerance);

describe('lab results and the provisional reference value', () => {
  // Lab A at day 11: model 10.00000111 V, mean 0.10 µV above it; B at day 31: 0.30 µV below;
  // C at day 51: 0.20 µV above, readings exactly on a line (u_A = 0).
  const readings = [...visit('A', 11, 10.00000121, 0.1e-6), ...visit('B', 31, 10.00000101, 0.05e-6), ...visit('C', 51, 10.00000171, 0), ...visit('D', 60, 10.0000016, 0)];
  const declared: Declaration[] = [
    { lab: 'A', standard: 'Z1', uB: 0.5e-6, note: 'old', time: T0 },
    { lab: 'A', standard: 'Z1', uB: 0.2e-6, note: 'DMM, reference', time: T0 + DAY }, // the latest one is in force
    { lab: 'B', standard: 'Z1', uB: 0.3e-6, note: null, time: T0 },
    { lab: 'C', standard: 'Z1', uB: 0.25e-6, note: null, time: T0 },
  ];
  const res = comparisonResults(std, ['A', 'B', 'C', 'D', 'A'], readings, declared, 2, 3);

  it('computes each lab against the reference model: mean, u_A, u_B, d, u(d), E_n', () => {
    const a = res.labs.find((r) => r.lab === 'A')!;
    // residuals (r, −2r, r): s² = 6r²/(3 − 2), u_A = s/√3 = √2·r
    close(a.uA, Math.SQRT2 * 0.1e-6, 1e-15);
    expect(a.uB).toBe(0.2e-6);
    expect(a.typeBNote).toBe('DMM, reference');
    close(a.u, Math.sqrt(2 * 0.01e-12 + 0.04e-12), 1e-15); // √0.06 µV
    close(a.slopePerDay!, 1e-8, 1e-13);
    expect(a.meanEpoch).toBe(T0 + 11 * DAY);
    close(a.model.value, 10.00000111, 1e-13);
    close(a.model.u, Math.sqrt(0.01e-12 + (11 * 1e-9) ** 2), 1e-16); // u²(x0) + Δt²u²(b)
    close(a.d, 0.1e-6, 1e-13);
    const udA = Math.sqrt(0.06e-12 + 0.01e-12 + 121e-18 + 0.0025e-12); // u² + u²(model) + u_T²
    close(a.ud, udA, 1e-16);
    close(a.En, 0.1e-6 / (2 * udA), 1e-6);
    expect(a.complete).toBe(true);
    const c = res.labs.find((r) => r.lab === 'C')!;
    close(c.uA, 0, 1e-15);
    close(c.u, 0.25e-6, 1e-15);
    const d = res.labs.find((r) => r.lab === 'D')!;
    expect(d.complete).toBe(false);
    expect(d.issues[0]).toMatch(/no type B uncertainty declared/);
  });

  it("gives Cox's weighted mean, its uncertainty, χ² and each lab's degree of equivalence", () => {
    // Values referred to t0 with the model's drift: x_i = x̄ − b·t̄ = x0 + d_i, and
    // u²(x_i) = u_i² + (t̄·u(b))² + u_T².
    const xs = [
      { lab: 'A', x: 10.000001 + 0.1e-6, u2: 0.06e-12 + 121e-18 + 0.0025e-12 },
      { lab: 'B', x: 10.000001 - 0.3e-6, u2: 2 * 0.0025e-12 + 0.09e-12 + 961e-18 + 0.0025e-12 },
      { lab: 'C', x: 10.000001 + 0.2e-6, u2: 0.0625e-12 + 2601e-18 + 0.0025e-12 },
    ];
    const w = xs.map((x) => 1 / x.u2);
    const sw = w[0]! + w[1]! + w[2]!;
    const xref = (w[0]! * xs[0]!.x + w[1]! * xs[1]!.x + w[2]! * xs[2]!.x) / sw;
    const uref = Math.sqrt(1 / sw);
    const chi2 = xs.reduce((s, x) => s + (x.x - xref) ** 2 / x.u2, 0);
    const ref = res.reference!;
    expect(ref.labs).toEqual(['A', 'B', 'C']); // D has no declaration: not in the mean
    expect(ref.provisional).toBe(true);
    close(ref.value, xref, 1e-13);
    close(ref.u, uref, 1e-16);
    close(ref.chi2, chi2, 1e-7 * chi2); // the values differ from 10 V in the 7th digit: float noise of 1e-15 V
    expect(ref.dof).toBe(2);
    close(ref.pValue, Math.exp(-chi2 / 2), 1e-7);
    expect(ref.consistent).toBe(Math.exp(-chi2 / 2) >= 0.05);
    for (const x of xs) {
      const e = res.equivalence.find((q) => q.lab === x.lab)!;
      const ud = Math.sqrt(x.u2 - uref * uref);
      close(e.d, x.x - xref, 1e-13);
      close(e.ud, ud, 1e-16);
      close(e.U, 2 * ud, 1e-16);
      close(e.En, (x.x - xref) / (2 * ud), 1e-6);
    }
  });

  it('fits a line with centred sums and matches the textbook formulas', () => {
    const f = lineFit([1, 2, 3, 4], [2, 4.1, 5.9, 8.2]);
    // t̄ = 2.5, ȳ = 5.05, S_tt = 5, S_ty = 1.5·3.05 + 0.5·0.95 + 0.5·0.85 + 1.5·3.15 = 10.2: b = 2.04
    expect(f.slope).toBeCloseTo(2.04, 12);
    const r = [2 - (5.05 + 2.04 * -1.5), 4.1 - (5.05 + 2.04 * -0.5), 5.9 - (5.05 + 2.04 * 0.5), 8.2 - (5.05 + 2.04 * 1.5)];
    const s = Math.sqrt(r.reduce((q, x) => q + x * x, 0) / 2);
    expect(f.s).toBeCloseTo(s, 12);
    expect(f.uSlope).toBeCloseTo(s / Math.sqrt(5), 12);
    expect(f.uMean).toBeCloseTo(s / 2, 12);
    expect(coxProcedureA([{ id: 'a', x: 1, u: 1 }])).toBeUndefined();
  });

  it('reads declarations from standard_declared events', () => {
    const ev = (lab: string, time: number, typeB: unknown): { lab: string; time: number; standard: string; data: string } => ({
      lab,
      time,
      standard: 'Z1',
      data: JSON.stringify({ standard: 'Z1', quantity: 'voltage', nominal: 10, unit: 'V', typeB }),
    });
    expect(declarationsOf([ev('A', 1, { u: 2e-7, note: 'n' }), ev('B', 2, null)])).toEqual([
      { lab: 'A', standard: 'Z1', uB: 2e-7, note: 'n', time: 1 },
      { lab: 'B', standard: 'Z1', uB: null, note: null, time: 2 },
    ]);
  });

  it('follows the route: legs from departure to arrival with their transport events', () => {
    const e = (lab: string, time: number, type: string, data: unknown, severity = 'info'): EventRow => ({
      gateway: `gw-${lab}`,
      seq: time,
      lab,
      time,
      type,
      standard: 'Z1',
      severity,
      message: type,
      data: JSON.stringify(data),
    });
    const route = routeOf('Z1', ['A', 'B'], [
      e('A', 1, 'standard_transition', { from: 'measuring', to: 'in_transit', cause: 'operator', by: 'alice' }),
      e('B', 5, 'transport_alarm', { kind: 'shock', value: 16, limit: 15 }, 'alarm'),
      e('B', 6, 'transport_warning', { kind: 'tilt', value: 40 }, 'warning'),
      e('B', 7, 'standard_transition', { from: 'in_transit', to: 'settling', cause: 'evidence', evidence: 'no motion' }),
      e('B', 9, 'standard_transition', { from: 'settling', to: 'measuring', cause: 'evidence', evidence: 'settled' }),
    ]);
    expect(route.now).toEqual({ lab: 'B', state: 'measuring', since: 9 });
    expect(route.labs.map((l) => [l.lab, l.state])).toEqual([
      ['A', 'in_transit'],
      ['B', 'measuring'],
    ]);
    expect(route.legs).toHaveLength(1);
    expect(route.legs[0]).toMatchObject({ from: { lab: 'A', time: 1 }, to: { lab: 'B', time: 7 }, summary: { peakShockG: 16, maxTiltDeg: 40, powerInterruptions: 0 } });
  });
});
