import { describe, expect, it } from 'vitest';
import { CheckEngine } from '../../../src/checks/engine.js';
import { detail } from '../../../src/checks/summary.js';
import type { JournalRecord } from '../../../src/core/types.js';
import { DAY, MIN, Scenario, feed, move, run, runUntilMeasuring, testStandard, verdictOf } from './scenario.js';

const CALM = { peak_x: 0.02, peak_y: 0.03, peak_z: 1.0, tilt: 1, case_temperature: 21, case_humidity: 40, external_power: 1, battery: 12.6 };
const ROAD = { ...CALM, peak_z: 2.6 };

describe('marking the arrival while the case still moves', () => {
  it('is refused with what the logger read and when, and accepted once the case has rested', () => {
    const sc = new Scenario(10_000);
    const engine = new CheckEngine([testStandard({ initialState: 'awaiting', transport: { logger: 'case', arrivalRest: '60s' } })]);
    feed(engine, sc.logger(ROAD)); // motion: awaiting -> in_transit on evidence
    expect(engine.runtime('Z1')!.state.lifecycle.state).toBe('in_transit');
    sc.clock.advance(20_000);
    feed(engine, sc.logger(ROAD));
    sc.clock.advance(5_000);

    const refused = engine.transition('Z1', 'settling', 'alice', 'arrived', sc.clock.now());
    expect(refused).toMatchObject({ ok: false, code: 'forbidden' });
    expect(!refused.ok && refused.message).toMatch(/arrival not recorded: the case logger read 2\.6 g on z 5 s ago .*still moving.*rested for 60 s/);
    expect(engine.runtime('Z1')!.state.lifecycle.state).toBe('in_transit');
    expect(detail(engine, 'Z1')!.transport.lastMotion).toMatchObject({ g: 2.6, axis: 'z' });

    // At rest for a minute: the arrival is recorded and not reversed by the next (calm) reading.
    feed(engine, sc.logger(CALM));
    sc.clock.advance(61_000);
    feed(engine, sc.logger(CALM));
    move(engine, sc, 'settling');
    feed(engine, sc.logger(CALM));
    expect(engine.runtime('Z1')!.state.lifecycle.state).toBe('settling');
  });

  it('replays an arrival the journal holds as it was accepted', () => {
    const sc = new Scenario(10_000);
    const cfg = testStandard({ initialState: 'in_transit', transport: { logger: 'case' } });
    const engine = new CheckEngine([cfg]);
    feed(engine, sc.logger(ROAD));
    const arrival = {
      v: 2, seq: 9, kind: 'event', gateway: 'gw', lab: 'L', time: sc.clock.now(), clock: 'yes', prevHash: '', hash: 'h',
      event: { type: 'standard_transition', time: sc.clock.now(), severity: 'info', standard: 'Z1', message: 'Z1: in_transit -> settling by alice', data: { from: 'in_transit', to: 'settling', cause: 'operator', by: 'alice' } },
    } as JournalRecord;
    engine.replay(arrival); // e.g. made by a version without this rule: the journal is the record
    expect(engine.runtime('Z1')!.state.lifecycle.state).toBe('settling');
  });
});

describe('E_b is not judged before the fit has the data for it', () => {
  it('says what the fit lacks, then judges once it spans drift.minSpan', () => {
    const sc = new Scenario(1 * MIN);
    const engine = new CheckEngine([testStandard({ initialState: 'measuring', drift: { minPoints: 10, minSpan: '1d' } })]);
    runUntilMeasuring(engine, sc);
    const early = run(engine, sc, 30);
    for (const r of early) expect(verdictOf(r, 'drift_rate')).toBeUndefined();
    const d = detail(engine, 'Z1')!;
    expect(d.drift.eb).toBeNull();
    expect(d.drift.slopePerDay).not.toBeNull();
    expect(d.drift.uSlopePerDay).not.toBeNull();
    expect(d.drift.pending).toMatch(/^E_b is not judged yet: the fit needs a span of 1 d \(has (29|30) min\)$/);
    expect(d.drift.judgedAfter).toEqual({ minPoints: 10, minSpanMs: DAY });

    run(engine, sc, (DAY / MIN) + 5);
    const later = detail(engine, 'Z1')!;
    expect(later.drift.pending).toBeNull();
    expect(later.drift.eb).not.toBeNull();
  });
});
