import { describe, expect, it } from 'vitest';
import { CheckEngine } from '../../../src/checks/engine.js';
import { detail } from '../../../src/checks/summary.js';
import { HOUR, MIN, Scenario, feed, move, run, runUntilMeasuring, testStandard, verdictOf } from './scenario.js';

function settled() {
  const sc = new Scenario(5 * MIN);
  const engine = new CheckEngine([testStandard()]);
  move(engine, sc, 'in_transit');
  move(engine, sc, 'settling');
  runUntilMeasuring(engine, sc);
  run(engine, sc, 3);
  return { sc, engine };
}

describe('power interruption', () => {
  it('seen as a thermistor step, restarts settling; the oven recovering is the same interruption', () => {
    const { sc, engine } = settled();
    expect(run(engine, sc, 1)[0]!.annotations!.verified).toBe(true);

    sc.zener.setOvenCooling(2); // the oven cooled 2 K: thermistor +7.6 %
    const t = sc.clock.now();
    const cycle = feed(engine, sc.cycle());
    const th = cycle.find((r) => r.reading.channel === 'fres')!;
    expect(verdictOf(th, 'power')!.result).toBe('fail');
    expect(verdictOf(th, 'power')!.value!).toBeCloseTo(0.076, 2);
    expect(th.events.map((e) => [e.type, e.data?.cause ?? e.data?.kind])).toEqual([
      ['transport_alarm', 'power'],
      ['standard_transition', 'evidence'],
    ]);
    let d = detail(engine, 'Z1')!;
    expect(d.state).toBe('settling');
    expect(Date.parse(d.settling.start!)).toBe(t);
    expect(d.settled).toBe(false);
    const dmm = cycle.find((r) => r.reading.device === 'dmm')!;
    expect(dmm.annotations!.verified).toBe(false);
    expect(dmm.reading.flags).toContain('settling');

    sc.zener.setOvenCooling(0); // power back: the thermistor steps back within the hold-off
    const back = feed(engine, sc.cycle()).find((r) => r.reading.channel === 'fres')!;
    expect(verdictOf(back, 'power')!.result).toBe('warn');
    expect(back.events).toEqual([]);

    // Settling restarts: 2 h from the interruption at 5 min per cycle, then measuring by evidence.
    const cycles = runUntilMeasuring(engine, sc);
    d = detail(engine, 'Z1')!;
    expect(Date.parse(d.settling.settledAt!) - t).toBeGreaterThanOrEqual(2 * HOUR);
    expect(Date.parse(d.settling.settledAt!) - t).toBeLessThanOrEqual(2 * HOUR + 5 * MIN);
    expect(cycles).toBeGreaterThan(20);
    expect(d.lifecycle.cause).toEqual({ kind: 'evidence', evidence: 'settled' });
    // Still not verified: the interruption is an open alarm until an operator resolves it.
    expect(run(engine, sc, 1)[0]!.annotations!.verified).toBe(false);
    expect(d.transport.openAlarms).toHaveLength(1);
    engine.resolveAlarms('Z1', 'alice', undefined, sc.clock.now());
    expect(run(engine, sc, 1)[0]!.annotations!.verified).toBe(true);
  });

  it('seen as a power flag of the logger, restarts settling once per interruption', () => {
    const { sc, engine } = settled();
    const [off] = feed(engine, sc.logger({ external_power: 0 }));
    expect(verdictOf(off!, 'transport')).toMatchObject({ result: 'fail', value: 0 });
    expect(off!.events.map((e) => e.type)).toEqual(['transport_alarm', 'standard_transition']);
    expect(detail(engine, 'Z1')!.state).toBe('settling');
    const [stillOff] = feed(engine, sc.logger({ external_power: 0 }));
    expect(stillOff!.events).toEqual([]);
    feed(engine, sc.logger({ external_power: 1 }));
    expect(detail(engine, 'Z1')!.transport.trip.powerInterruptions).toBe(1);
  });

  it('a thermistor that stays still is no interruption', () => {
    const { sc, engine } = settled();
    const results = run(engine, sc, 100);
    expect(results.every((r) => r.annotations!.verified)).toBe(true);
    expect(detail(engine, 'Z1')!.transport.trip.powerInterruptions).toBe(0);
  });
});
