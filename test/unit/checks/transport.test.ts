import { describe, expect, it } from 'vitest';
import { CheckEngine } from '../../../src/checks/engine.js';
import { detail } from '../../../src/checks/summary.js';
import { HOUR, MIN, Scenario, feed, move, run, runUntilMeasuring, testStandard, verdictOf } from './scenario.js';

const CALM = { peak_x: 0.02, peak_y: 0.03, peak_z: 1.0, tilt: 1, case_temperature: 21, case_humidity: 40, external_power: 1, battery: 12.6 };

function trip(engine: CheckEngine, sc: Scenario, peaks: Record<string, number>) {
  move(engine, sc, 'in_transit');
  const calm = feed(engine, sc.logger(CALM));
  sc.clock.advance(HOUR);
  const bump = feed(engine, sc.logger(peaks));
  sc.clock.advance(HOUR);
  feed(engine, sc.logger(CALM));
  move(engine, sc, 'settling');
  return { calm, bump };
}

function standard() {
  return testStandard({
    initialState: 'measuring',
    transport: { logger: 'case', shock: { warn: 5, fail: 15 }, tilt: { fail: 60 }, temperature: { min: 5, max: 35 } },
  });
}

describe('transport check', () => {
  it('passes a 3 g ride: no alarm, and the standard verifies again once settled', () => {
    const sc = new Scenario(5 * MIN);
    const engine = new CheckEngine([standard()]);
    run(engine, sc, 40);
    const { bump } = trip(engine, sc, { peak_x: 1.2, peak_y: 0.8, peak_z: 3.0, tilt: 12 });
    for (const r of bump) expect(verdictOf(r, 'transport')!.result).toBe('pass');
    expect(bump.flatMap((r) => r.events)).toEqual([]);
    const cycles = runUntilMeasuring(engine, sc);
    // Settling time 2 h at 5 min per reading (the window of 1 h is shorter).
    expect(cycles).toBeGreaterThanOrEqual(24);
    expect(cycles).toBeLessThanOrEqual(26);
    const [after] = run(engine, sc, 1);
    expect(after!.annotations!.verified).toBe(true);
    const d = detail(engine, 'Z1')!;
    expect(d.transport.trip.peak).toEqual({ x: 1.2, y: 0.8, z: 3.0 });
    expect(d.transport.trip.tiltMax).toBe(12);
    expect(d.transport.openAlarms).toEqual([]);
    expect(d.transport.trips).toBe(1);
  });

  it('fails a 25 g drop: alarm, flag, and no verified reading until an operator resolves it', () => {
    const sc = new Scenario(5 * MIN);
    const engine = new CheckEngine([standard()]);
    run(engine, sc, 40);
    const { bump } = trip(engine, sc, { peak_x: 0.5, peak_y: 2.1, peak_z: 25 });
    const z = bump.find((r) => r.reading.channel === 'peak_z')!;
    expect(verdictOf(z, 'transport')).toMatchObject({ result: 'fail', value: 25 });
    expect(z.reading.flags).toContain('transport_shock');
    expect(z.events).toHaveLength(1);
    expect(z.events[0]).toMatchObject({ type: 'transport_alarm', severity: 'alarm', standard: 'Z1', data: { kind: 'shock', value: 25, limit: 15 } });
    expect(verdictOf(bump.find((r) => r.reading.channel === 'peak_y')!, 'transport')!.result).toBe('pass');

    runUntilMeasuring(engine, sc);
    const held = run(engine, sc, 5);
    for (const r of held) {
      expect(r.annotations!.verified).toBe(false);
      expect(verdictOf(r, 'transport')).toMatchObject({ result: 'fail', value: 1 });
      expect(r.reading.flags).toContain('transport_shock');
    }
    const resolved = engine.resolveAlarms('Z1', 'alice', 'checked against the check standard', sc.clock.now());
    expect(resolved).toMatchObject({ ok: true, event: { type: 'standard_alarms_resolved', data: { by: 'alice', resolved: 1 } } });
    const [after] = run(engine, sc, 1);
    expect(after!.annotations!.verified).toBe(true);
    expect(after!.reading.flags).not.toContain('transport_shock');
  });

  it('warns between the warn and fail limits, once per excursion', () => {
    const sc = new Scenario(5 * MIN);
    const engine = new CheckEngine([standard()]);
    move(engine, sc, 'in_transit');
    const a = feed(engine, sc.logger({ peak_x: 7 }));
    const b = feed(engine, sc.logger({ peak_x: 8 }));
    expect(verdictOf(a[0]!, 'transport')).toMatchObject({ result: 'warn', value: 7 });
    expect(a[0]!.events.map((e) => e.type)).toEqual(['transport_warning']);
    expect(b[0]!.events).toEqual([]);
    expect(detail(engine, 'Z1')!.openAlarms).toBe(0);
  });

  it('judges tilt and case climate in transit only', () => {
    const sc = new Scenario(5 * MIN);
    const engine = new CheckEngine([standard()]);
    const inLab = feed(engine, sc.logger({ tilt: 80, case_temperature: 40 }));
    for (const r of inLab) expect(verdictOf(r, 'transport')!.result).toBe('info');
    move(engine, sc, 'in_transit');
    const [tilt, hot] = feed(engine, sc.logger({ tilt: 80, case_temperature: 40 }));
    expect(verdictOf(tilt!, 'transport')).toMatchObject({ result: 'fail', value: 80 });
    expect(verdictOf(hot!, 'transport')).toMatchObject({ result: 'fail', value: 40 });
    const d = detail(engine, 'Z1')!;
    expect(d.transport.openAlarms.map((a) => a.kind).sort()).toEqual(['temperature', 'tilt']);
    expect(d.transport.trip.temperature).toEqual({ min: 40, max: 40 });
  });

  it('reads a logger with other channel names and moves the standard in transit on motion', () => {
    const sc = new Scenario(5 * MIN);
    const cfg = testStandard({
      initialState: 'measuring',
      transport: { logger: 'box', channels: { accelX: 'gx', accelY: 'gy', accelZ: 'gz' }, motion: 2 },
    });
    const engine = new CheckEngine([cfg]);
    run(engine, sc, 3);
    const [still] = feed(engine, sc.logger({ gz: 1.0 }, 'box'));
    expect(verdictOf(still!, 'transport')!.result).toBe('pass');
    expect(engine.runtime('Z1')!.state.lifecycle.state).toBe('measuring');
    const [moved] = feed(engine, sc.logger({ gz: 2.5 }, 'box'));
    expect(moved!.annotations!.standard).toBe('Z1');
    expect(moved!.events).toContainEqual(
      expect.objectContaining({ type: 'standard_transition', data: { from: 'measuring', to: 'in_transit', cause: 'evidence', evidence: 'motion: 2.5 g on z' } }),
    );
    const [dmm] = run(engine, sc, 1);
    expect(dmm!.annotations!.verified).toBe(false);
    expect(verdictOf(dmm!, 'lifecycle')!.detail).toBe('in_transit');
    // The default names mean nothing for this standard.
    expect(engine.watches('case', 'peak_z')).toBe(false);
  });
});
