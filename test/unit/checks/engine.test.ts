import { describe, expect, it } from 'vitest';
import { CheckEngine, type EngineSnapshot } from '../../../src/checks/engine.js';
import { canTransition } from '../../../src/checks/lifecycle.js';
import { detail } from '../../../src/checks/summary.js';
import type { Reading } from '../../../src/core/types.js';
import { HOUR, MIN, Scenario, asAcquisition, feed, judge, move, run, testStandard, verdictOf, type ReadingResult } from './scenario.js';

const reading = (over: Partial<Reading>): Reading => ({
  device: 'dmm', channel: 'dcv', quantity: 'voltage', value: 10, unit: 'V', time: Date.UTC(2026, 0, 2), flags: [], ...over,
});

describe('check engine', () => {
  it('never throws on bad data and says why in a verdict', () => {
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const bad: Partial<Reading>[] = [
      { value: null, flags: ['timeout'] },
      { value: Number.NaN },
      { value: Number.POSITIVE_INFINITY },
      { flags: ['identity_mismatch'] },
      { device: 'ohm', channel: 'fres', value: -5 },
      { device: 'ohm', channel: 'fres', value: 0 },
      { device: 'ohm', channel: 'fres', value: 39000 },
      { device: 'case', channel: 'peak_z', value: null, flags: ['parse_error'] },
      { device: 'ptu', channel: 'temperature', value: Number.NaN },
      { time: Number.NaN },
    ];
    for (const b of bad) {
      const res = judge(engine, reading(b));
      expect(res.annotations!.standard).toBe('Z1');
      expect(JSON.stringify(res.annotations)).not.toMatch(/null|NaN|Infinity/);
      for (const v of res.annotations!.verdicts!) if (v.value !== undefined) expect(Number.isFinite(v.value)).toBe(true);
    }
    // What the journal would refuse leaves the state alone (a replay never sees it).
    const nan = judge(engine, reading({ value: Number.NaN }));
    expect(nan.annotations).toEqual({ verdicts: [{ check: 'quality', result: 'fail', detail: 'not a finite number' }], standard: 'Z1', verified: false });
    expect(engine.runtime('Z1')!.state.counts.readings).toBe(2); // the timeout and the identity mismatch
    const timeout = judge(engine, reading({ value: null, flags: ['timeout'] }));
    expect(verdictOf(timeout, 'quality')).toEqual({ check: 'quality', result: 'fail', detail: 'timeout' });
    expect(timeout.annotations!.verified).toBe(false);
    const mismatch = judge(engine, reading({ flags: ['identity_mismatch'] }));
    expect(verdictOf(mismatch, 'quality')!.detail).toBe('identity_mismatch');
    expect(mismatch.annotations!.verified).toBe(false);
  });

  it('passes acquisitions of no standard through untouched', () => {
    const engine = new CheckEngine([testStandard()]);
    const acq = asAcquisition(reading({ device: 'other', flags: ['settling'] }));
    const res = engine.process(acq);
    expect(res.acquisition).toBe(acq);
    expect(res.judged).toBe(false);
    expect(res.events).toEqual([]);
    // A watched device's unwatched channel is kept as it is, beside the judged ones.
    const mixed = engine.process({
      device: 'dmm',
      time: Date.UTC(2026, 0, 1),
      clock: 'yes',
      channels: { dcv: { quantity: 'voltage', value: 10.0000025, unit: 'V' }, internal: { quantity: 'temperature', value: 31, unit: '°C', flags: ['settling'] } },
    });
    expect(mixed.judged).toBe(true);
    expect(mixed.acquisition.channels.internal).toEqual({ quantity: 'temperature', value: 31, unit: '°C', flags: ['settling'] });
    expect(mixed.acquisition.channels.dcv!.standard).toBe('Z1');
  });

  it('enforces the lifecycle: forbidden moves are refused with what is allowed', () => {
    const engine = new CheckEngine([testStandard()]);
    const t = Date.UTC(2026, 0, 1);
    expect(engine.transition('Z1', 'measuring', 'alice', undefined, t)).toMatchObject({ ok: false, code: 'forbidden', allowed: ['in_transit'] });
    expect(engine.transition('nope', 'in_transit', 'alice', undefined, t)).toMatchObject({ ok: false, code: 'unknown_standard' });
    const ok = engine.transition('Z1', 'in_transit', 'alice', 'courier DHL 123', t);
    expect(ok).toMatchObject({
      ok: true,
      state: 'in_transit',
      event: { type: 'standard_transition', standard: 'Z1', time: t, data: { from: 'awaiting', to: 'in_transit', cause: 'operator', by: 'alice', note: 'courier DHL 123' } },
    });
    expect(engine.transition('Z1', 'in_transit', 'alice', undefined, t)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(canTransition('measuring', 'returned')).toBe(true);
    for (const to of ['awaiting', 'in_transit', 'settling', 'measuring', 'returned'] as const) expect(canTransition('returned', to)).toBe(false);
  });

  it('flags and keeps readings outside the environment window; unknown environment is not verified', () => {
    const sc = new Scenario(5 * MIN);
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const [first] = feed(engine, [sc.cycle()[4]!]); // the standard before any air reading
    expect(verdictOf(first!, 'environment')).toMatchObject({ result: 'warn', detail: 'temperature unknown; humidity unknown' });
    expect(first!.annotations!.verified).toBe(false);
    expect(run(engine, sc, 2).at(-1)!.annotations!.verified).toBe(true);

    sc.world.lab.offset.temperature = 2; // air conditioning failed: 25 °C
    const cycle = feed(engine, sc.cycle());
    const air = cycle.find((r) => r.reading.channel === 'temperature')!;
    expect(air.reading.flags).toEqual(['env_out_of_window']);
    expect(verdictOf(air, 'environment')!.result).toBe('fail');
    const dmm = cycle.find((r) => r.reading.device === 'dmm')!;
    expect(dmm.reading.flags).toEqual(['env_out_of_window']);
    expect(dmm.reading.value).not.toBeNull();
    expect(verdictOf(dmm, 'environment')!.result).toBe('fail');
    expect(verdictOf(dmm, 'environment')!.detail).toMatch(/^temperature 2[45]\.\d+ outside \[22, 24\]$/);
    expect(dmm.annotations!.verified).toBe(false);
    expect(dmm.events.map((e) => e.type)).toEqual(['environment_excursion']);
    sc.world.lab.offset.temperature = 0;
    const back = run(engine, sc, 1)[0]!;
    expect(back.reading.flags).toEqual([]);
    expect(back.annotations!.verified).toBe(true);
  });

  it('corrects to reference conditions before the statistics', () => {
    const cfg = testStandard({ initialState: 'measuring', corrections: { pressure: { coefficient: 2e-9, reference: 1013.25 } } });
    const engine = new CheckEngine([cfg]);
    const t = Date.UTC(2026, 0, 2);
    judge(engine, reading({ device: 'ptu', channel: 'pressure', value: 1023.25, time: t }));
    const res = judge(engine, reading({ value: 10.000001, time: t + 1000 }));
    expect(verdictOf(res, 'correction')!.value).toBeCloseTo(10.000001 * (1 - 2e-9 * 10), 15);
    // Stale pressure: uncorrected, not fitted, not verified.
    const late = judge(engine, reading({ value: 10.000001, time: t + HOUR }));
    expect(verdictOf(late, 'correction')).toMatchObject({ result: 'warn', detail: 'uncorrected: no recent pressure' });
    expect(late.annotations!.verified).toBe(false);
  });

  it('replaying its own output, from the start or from a JSON snapshot, gives the same verdicts', () => {
    const scenario = (engine: CheckEngine, sc: Scenario, from: number, to: number, out: ReadingResult[]) => {
      for (let i = from; i < to; i++) {
        if (i === 30) move(engine, sc, 'in_transit');
        if (i === 32) out.push(...feed(engine, sc.logger({ peak_z: 20 })));
        if (i === 35) move(engine, sc, 'settling');
        if (i === 70) engine.resolveAlarms('Z1', 'bob', undefined, sc.clock.now());
        out.push(...feed(engine, sc.cycle()));
      }
    };
    const a = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const sa = new Scenario(5 * MIN);
    const straight: ReadingResult[] = [];
    scenario(a, sa, 0, 120, straight);

    const b = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const sb = new Scenario(5 * MIN);
    const split: ReadingResult[] = [];
    scenario(b, sb, 0, 50, split);
    const snap = JSON.parse(JSON.stringify(b.snapshot())) as EngineSnapshot;
    const c = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    expect(c.restore(snap)).toBe(true);
    scenario(c, sb, 50, 120, split);
    expect(split).toEqual(straight);
    expect(c.snapshot()).toEqual(a.snapshot());
    expect(detail(c, 'Z1')).toEqual(detail(a, 'Z1'));

    // A snapshot of another configuration is refused.
    const other = new CheckEngine([testStandard({ nominal: 1 })]);
    expect(other.restore(snap)).toBe(false);
  });
});
