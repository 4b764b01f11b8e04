import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DeviceLoops } from '../../src/acquisition/device-loops.js';
import { FakeClock, systemClock } from '../../src/core/clock.js';
import { ClockStepDetector } from '../../src/core/clock-step.js';
import type { Driver, LineDriverDefinition } from '../../src/core/driver.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Acquisition } from '../../src/core/types.js';
import type { Link } from '../../src/links/types.js';
import { connectedLink } from '../helpers/connected-link.js';

describe('ClockStepDetector', () => {
  it('sees no step while wall and monotonic clocks advance together, or the wall clock slews', () => {
    const clock = new FakeClock();
    const d = new ClockStepDetector(clock);
    for (let i = 0; i < 20; i++) {
      clock.advance(250);
      clock.stepWall(5); // 2 % slew: well within what chrony does
      expect(d.sample()).toBeUndefined();
    }
    expect(d.steps).toEqual([]);
  });

  it('samples on its own only after sampleMs without a sample: while readings sample, its timer never wakes the process', async () => {
    const d = new ClockStepDetector(systemClock, { sampleMs: 500 });
    const sample = vi.spyOn(d, 'sample');
    d.start();
    let ours = 0;
    const busyUntil = performance.now() + 1000;
    while (performance.now() < busyUntil) {
      d.sample(); // as each acquisition does (affects)
      ours++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sample.mock.calls.length - ours).toBe(0);
    await new Promise((r) => setTimeout(r, 1200));
    d.stop();
    expect(sample.mock.calls.length - ours).toBeGreaterThanOrEqual(2); // idle: every sampleMs, on its own
  });

  it('sees a step forwards and backwards, with its size and where it happened', () => {
    const clock = new FakeClock();
    const d = new ClockStepDetector(clock);
    clock.advance(250);
    d.sample();
    clock.advance(100);
    clock.stepWall(3_600_000); // an operator fixed the time zone the wrong way
    expect(d.sample()).toMatchObject({ fromMono: 250, toMono: 350, stepMs: 3_600_000 });
    clock.advance(250);
    clock.stepWall(-1500);
    expect(d.sample()).toMatchObject({ fromMono: 350, toMono: 600, stepMs: -1500 });
    expect(d.steps).toHaveLength(2);
  });

  it('says which monotonic intervals a step affects, widened by the margin', () => {
    const clock = new FakeClock();
    const d = new ClockStepDetector(clock, { marginMs: 1000 });
    clock.advance(10_000);
    d.sample();
    clock.advance(100);
    clock.stepWall(2000); // step between mono 10 000 and 10 100
    expect(d.affects(10_050, 10_100)).toBe(true);
    expect(d.affects(11_000)).toBe(true); // right after the step: within the margin
    expect(d.affects(8_000, 9_100)).toBe(true); // ended within the margin before it
    expect(d.affects(12_000)).toBe(false);
    expect(d.affects(1_000, 8_000)).toBe(false);
  });

  it('tells listeners about each step once', () => {
    const clock = new FakeClock();
    const d = new ClockStepDetector(clock);
    const seen: number[] = [];
    d.onStep((s) => seen.push(s.stepMs));
    clock.stepWall(-700);
    d.sample();
    d.sample();
    expect(seen).toEqual([-700]);
  });
});

/** An always-connected link; the driver below never touches its I/O. */
const link = connectedLink();

describe('acquisition with a clock step', () => {
  it('flags clock_step on every channel of the acquisition whose query spans the step, and not on the others', async () => {
    const clock = new FakeClock();
    const detector = new ClockStepDetector(clock, { marginMs: 0 });
    let calls = 0;
    const def: LineDriverDefinition = {
      kind: 'fake',
      description: 'steps the wall clock during its third read',
      linkKind: 'line',
      config: z.object({}),
      create: (): Driver => ({
        connect: async () => null,
        read: async () => {
          calls++;
          if (calls === 3) clock.stepWall(-30_000); // NTP steps the clock back mid-query
          return [
            { channel: 'ch1', quantity: 'voltage', unit: 'V', value: calls },
            { channel: 'ch2', quantity: 'voltage', unit: 'V', value: -calls, flags: ['overrange'] },
          ];
        },
        close: async () => undefined,
      }),
    };
    const acquisitions: Acquisition[] = [];
    const acq = new DeviceLoops([{ id: 'dmm', driver: 'fake', link: 'l', interval: 1000, timeout: 500, enabled: true, options: {} }], {
      drivers: [def],
      links: new Map<string, Link>([['l', link]]),
      clock,
      log: silentLogger(),
      output: { acquisition: async (a) => void acquisitions.push(a), event: async () => undefined },
      clockStep: detector,
    });
    acq.start();
    for (let i = 0; i < 50 && acquisitions.length < 5; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(250);
    }
    await acq.stop();
    expect(acquisitions.length).toBeGreaterThanOrEqual(5);
    const flagged = acquisitions.filter((a) => Object.values(a.channels).some((c) => c.flags?.includes('clock_step')));
    expect(flagged.map((a) => a.channels.ch1!.value)).toEqual([3]);
    // Every channel of that acquisition, beside the driver's own flags.
    expect(flagged[0]!.channels).toMatchObject({ ch1: { flags: ['clock_step'] }, ch2: { flags: ['overrange', 'clock_step'] } });
    expect(detector.steps.map((s) => s.stepMs)).toEqual([-30_000]);
  });
});
