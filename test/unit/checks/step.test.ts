import { describe, expect, it } from 'vitest';
import { CheckEngine } from '../../../src/checks/engine.js';
import { detail } from '../../../src/checks/summary.js';
import { HOUR, MIN, Scenario, move, run, runUntilMeasuring, testStandard, verdictOf } from './scenario.js';

const NOISE = 5e-8;

describe('step detection after transport (CUSUM on standardised residuals)', () => {
  it.each([
    ['up', +4 * NOISE],
    ['down', -3 * NOISE],
  ])('detects a step %s within a bounded number of readings, with its sign and size', (_, step) => {
    const sc = new Scenario(10 * MIN, { noise: NOISE });
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const before = run(engine, sc, 6 * 24 * 3); // three days
    expect(before.flatMap((r) => r.events).filter((e) => e.type === 'step_detected')).toEqual([]);

    move(engine, sc, 'in_transit');
    sc.clock.advance(20 * HOUR);
    sc.zener.injectStep(step);
    move(engine, sc, 'settling');
    runUntilMeasuring(engine, sc);
    const firstFitted = sc.clock.now() - sc.intervalMs;

    const after = run(engine, sc, 30);
    const k = after.findIndex((r) => verdictOf(r, 'step')?.result === 'fail');
    // h = 12, k = 0.5: a 4σ step raises S by ~3.5 per reading, a 3σ step by ~2.5.
    expect(k).toBeGreaterThanOrEqual(0);
    expect(k + 1).toBeLessThanOrEqual(Math.abs(step) > 3.5 * NOISE ? 6 : 8);
    const alarm = after[k]!.events.find((e) => e.type === 'step_detected')!;
    expect(alarm.data!.sign).toBe(Math.sign(step));
    const size = verdictOf(after[k]!, 'step')!.value!;
    expect(Math.abs(size - step) / Math.abs(step)).toBeLessThan(0.2);
    // The CUSUM started afresh with the trip: the onset is the first reading fitted after arrival.
    const d = detail(engine, 'Z1')!;
    expect(d.cusum.steps).toBe(1);
    expect(Date.parse(d.cusum.lastStep!.onsetAt!)).toBe(firstFitted);
    expect(d.cusum.lastStep!.samples).toBe(k + 2);
    // A new fit segment started with the readings after the step.
    expect(d.drift.segment).toBe(1);
    expect(d.drift.n).toBe(30 - k);
    expect(d.drift.segmentStart).toBe(new Date(after[k]!.reading.time).toISOString());
  });

  it('stays quiet on white noise over many readings', () => {
    const sc = new Scenario(10 * MIN, { noise: NOISE }, 11);
    const engine = new CheckEngine([testStandard({ initialState: 'measuring' })]);
    const results = run(engine, sc, 5000);
    expect(results.filter((r) => verdictOf(r, 'step')?.result === 'fail')).toEqual([]);
    expect(detail(engine, 'Z1')!.cusum.steps).toBe(0);
  });
});
