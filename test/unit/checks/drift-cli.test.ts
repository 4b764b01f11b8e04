import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drift, type DriftReport } from '../../../src/cli/drift.js';
import { NORRIS, NORRIS_CERTIFIED } from '../../fixtures/nist-norris.js';

const CERT = NORRIS_CERTIFIED;
const TEN_DIGITS = 5e-11;
/** One unit in the last place of a double near 10 (2^-49 V). */
const ULP_10V = 2 ** -49;
const EPOCH = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'tg-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function report(path: string, epoch?: string): DriftReport {
  let text = '';
  const errors: string[] = [];
  const code = drift(path, epoch, (s) => (text += s), (s) => errors.push(s));
  expect(errors).toEqual([]);
  expect(code).toBe(0);
  expect(text.trim().split('\n')).toHaveLength(1);
  return JSON.parse(text) as DriftReport;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('travelgate drift FILE.csv (NIST StRD Norris)', () => {
  it('reproduces the certified values from decimal days to ≥ 10 significant digits', () => {
    const r = report(csv('norris.csv', ['time,value', ...NORRIS.map(([y, x]) => `${x},${y}`)]));
    expect(r.n).toBe(36);
    expect(r.t0).toBe(0);
    expect(rel(r.slopePerDay, CERT.slope)).toBeLessThan(TEN_DIGITS);
    expect(rel(r.uSlopePerDay, CERT.uSlope)).toBeLessThan(TEN_DIGITS);
    expect(rel(r.valueAtT0, CERT.intercept)).toBeLessThan(TEN_DIGITS);
    expect(rel(r.uValueAtT0, CERT.uIntercept)).toBeLessThan(TEN_DIGITS);
    expect(rel(r.residualSd, CERT.residualSd)).toBeLessThan(TEN_DIGITS);
    expect(r.r2).toBeCloseTo(0.999993745883712, 12);
  });

  describe('offset: ISO dates in 2026 and 10 V + y·1 µV', () => {
    const lines = ['time,value', ...NORRIS.map(([y, x]) => `${new Date(EPOCH + x * DAY).toISOString()},${10 + y * 1e-6}`)];
    const path = csv('norris-10V.csv', lines);

    it('keeps ≥ 10 digits with --epoch at the certified origin', () => {
      const r = report(path, '2026-01-01T00:00:00Z');
      expect(r.t0).toBe('2026-01-01T00:00:00.000Z');
      expect(rel(r.slopePerDay, CERT.slope * 1e-6)).toBeLessThan(TEN_DIGITS);
      expect(rel(r.valueAtT0, 10 + CERT.intercept * 1e-6)).toBeLessThan(TEN_DIGITS);
      // Beyond 10 digits: off by less than one unit in the last place of 10 V (1.8e-15 V).
      expect(Math.abs(r.valueAtT0 - (10 + CERT.intercept * 1e-6))).toBeLessThan(ULP_10V);
      // Each value 10 + y·1e-6 is rounded to a double (ulp 1.8e-15 V), which perturbs the
      // 0.9 µV residuals by ~2e-9 relative: the inputs carry the scatter to ~1e-10 only.
      const REPRESENTATION = 2e-10;
      expect(rel(r.uSlopePerDay, CERT.uSlope * 1e-6)).toBeLessThan(REPRESENTATION);
      expect(rel(r.uValueAtT0, CERT.uIntercept * 1e-6)).toBeLessThan(REPRESENTATION);
      expect(rel(r.residualSd, CERT.residualSd * 1e-6)).toBeLessThan(REPRESENTATION);
    });

    it('takes the first time stamp as the origin without --epoch', () => {
      const r = report(path);
      expect(r.t0).toBe(new Date(EPOCH + 0.2 * DAY).toISOString());
      expect(rel(r.slopePerDay, CERT.slope * 1e-6)).toBeLessThan(TEN_DIGITS);
      expect(Math.abs(r.valueAtT0 - (10 + (CERT.intercept + 0.2 * CERT.slope) * 1e-6))).toBeLessThan(ULP_10V);
    });

    it('keeps the slope to ≥ 10 digits with decimal days 20454 + x (2026) and no epoch', () => {
      const r = report(csv('norris-days.csv', ['time,value', ...NORRIS.map(([y, x]) => `${20454 + x},${10 + y * 1e-6}`)]));
      expect(r.t0).toBe(0);
      expect(rel(r.slopePerDay, CERT.slope * 1e-6)).toBeLessThan(TEN_DIGITS);
      // The line extrapolated 20454 days back to t = 0.
      expect(rel(r.valueAtT0, 10 + (CERT.intercept - 20454 * CERT.slope) * 1e-6)).toBeLessThan(TEN_DIGITS);
      const shifted = report(csv('norris-days2.csv', ['time,value', ...NORRIS.map(([y, x]) => `${20454 + x},${10 + y * 1e-6}`)]), '20454');
      expect(shifted.t0).toBe(20454);
      expect(Math.abs(shifted.valueAtT0 - (10 + CERT.intercept * 1e-6))).toBeLessThan(ULP_10V);
      expect(rel(shifted.uValueAtT0, CERT.uIntercept * 1e-6)).toBeLessThan(2e-10);
    });
  });

  it('fits weighted when the file has a u column (equal u: OLS slope, uncertainties from u)', () => {
    const r = report(csv('norris-u.csv', ['time,value,u', ...NORRIS.map(([y, x]) => `${x},${y},0.5`)]));
    expect(rel(r.slopePerDay, CERT.slope)).toBeLessThan(TEN_DIGITS);
    expect(rel(r.uSlopePerDay, (CERT.uSlope * 0.5) / CERT.residualSd)).toBeLessThan(1e-9);
  });

  it('reports every bad line and exits 2', () => {
    const path = csv('bad.csv', ['time,value', '2026-01-01T00:00:00,1', '1.5,abc', '2.5,1,2']);
    const errors: string[] = [];
    expect(drift(path, undefined, () => undefined, (s) => errors.push(s))).toBe(2);
    const text = errors.join('');
    expect(text).toContain('line 2: time "2026-01-01T00:00:00" is neither ISO 8601 with a zone nor decimal days');
    expect(text).toContain('line 3: value "abc" is not a number');
    expect(text).toContain('line 4: expected 2 fields, got 3');
  });

  it('runs as the travelgate command', () => {
    const path = csv('cmd.csv', ['time,value', ...NORRIS.map(([y, x]) => `${x},${y}`)]);
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'drift', path], { encoding: 'utf8' });
    const r = JSON.parse(stdout) as DriftReport;
    expect(Object.keys(r)).toEqual(['n', 'slopePerDay', 'uSlopePerDay', 't0', 'valueAtT0', 'uValueAtT0', 'residualSd', 'r2']);
    expect(rel(r.slopePerDay, CERT.slope)).toBeLessThan(TEN_DIGITS);
  });
});
