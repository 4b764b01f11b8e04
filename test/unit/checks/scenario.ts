/**
 * Replayed-time scenarios for the checks: the simulators' physics (a Zener standard in a lab)
 * read at the times of an injected FakeClock, as the instruments' drivers would report it.
 * Devices: dmm/dcv (the standard), ohm/fres (its thermistor), ptu/temperature|humidity|pressure
 * (the lab's air), case/<channels> (the transport logger).
 */
import { FakeClock } from '../../../src/core/clock.js';
import type { Acquisition, GatewayEvent, Reading, ReadingAnnotations } from '../../../src/core/types.js';
import { channelReading } from '../../../src/core/records.js';
import { parseStandard, type StandardConfig, type StandardConfigInput } from '../../../src/checks/config.js';
import type { CheckEngine } from '../../../src/checks/engine.js';
import { World, worldConfig } from '../../../simulators/physics/world.js';

export const T0 = Date.UTC(2026, 0, 1);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface ZenerPhysics {
  driftPerDay?: number;
  noise?: number;
  tempco?: number;
  offset?: number;
}

/** A standard's configuration for tests: reference model matching the default physics. */
export function testStandard(overrides: Partial<StandardConfigInput> = {}): StandardConfig {
  return parseStandard({
    id: 'Z1',
    nominal: 10,
    unit: 'V',
    measurand: { device: 'dmm', channel: 'dcv' },
    thermistor: { device: 'ohm', channel: 'fres' },
    environment: {
      temperature: { device: 'ptu', channel: 'temperature' },
      humidity: { device: 'ptu', channel: 'humidity' },
      pressure: { device: 'ptu', channel: 'pressure' },
      window: { temperature: { min: 22, max: 24 }, humidity: { min: 30, max: 60 } },
    },
    corrections: { temperature: { coefficient: 5e-9, reference: 23 } },
    reference: {
      t0: '2026-01-01T00:00:00Z',
      x0: 10 + 2.5e-6,
      uX0: 1e-7,
      driftPerDay: -3e-8,
      uDriftPerDay: 3e-9,
      uTransport: 5e-8,
    },
    step: { h: 12, minPoints: 30 },
    transport: { logger: 'case' },
    settling: { time: 2 * HOUR, window: HOUR, maxThermistorSpread: 0.001 },
    ...overrides,
  });
}

export class Scenario {
  readonly clock: FakeClock;
  readonly world: World;

  constructor(
    readonly intervalMs: number,
    physics: ZenerPhysics = {},
    seed = 7,
  ) {
    this.clock = new FakeClock(T0);
    this.world = new World(
      worldConfig.parse({
        seed,
        lab: { temperatureSwing: 0.3, period: 86_400 },
        standards: [{ id: 'Z1', nominal: 10, offset: 2.5e-6, driftPerDay: -3e-8, tempco: 5e-8, noise: 5e-8, ...physics }],
      }),
    );
  }

  get zener() {
    return this.world.standard('Z1');
  }

  private reading(device: string, channel: string, quantity: string, value: number | null, unit: string, extra: Partial<Reading> = {}): Reading {
    return { device, channel, quantity, value, unit, time: this.clock.now(), flags: [], ...extra };
  }

  /** One acquisition cycle at the clock's time (air, thermistor, standard), then the clock advances. */
  cycle(): Reading[] {
    const t = this.clock.now();
    const air = this.world.lab.conditions(t, this.world.random);
    const out = [
      this.reading('ptu', 'temperature', 'temperature', air.temperature, '°C'),
      this.reading('ptu', 'humidity', 'humidity', air.humidity, '%RH'),
      this.reading('ptu', 'pressure', 'pressure', air.pressure, 'hPa'),
      this.reading('ohm', 'fres', 'resistance', this.zener.thermistor(this.world.random), 'Ω'),
      this.reading('dmm', 'dcv', 'voltage', this.zener.value(t, air.temperature, this.world.random), 'V'),
    ];
    this.clock.advance(this.intervalMs);
    return out;
  }

  /** Logger readings at the clock's time, by channel name. */
  logger(values: Record<string, number>, device = 'case'): Reading[] {
    return Object.entries(values).map(([channel, v]) => this.reading(device, channel, channel, v, ''));
  }
}

/** One reading's outcome: the reading as journaled (its flags), its annotations, the events. */
export interface ReadingResult {
  reading: Reading;
  annotations?: ReadingAnnotations;
  events: GatewayEvent[];
}

/** A reading as the one-channel acquisition a driver cycle would give. */
export function asAcquisition(r: Reading): Acquisition {
  const c: Acquisition['channels'][string] = { quantity: r.quantity, value: r.value, unit: r.unit };
  if (r.u !== undefined) c.u = r.u;
  if (r.flags.length > 0) c.flags = [...r.flags];
  if (r.extra !== undefined) c.extra = r.extra;
  return { device: r.device, time: r.time, clock: 'unknown', channels: { [r.channel]: c } };
}

/** The engine on one reading (as a one-channel acquisition), seen per reading as tests read it. */
export function judge(engine: CheckEngine, r: Reading): ReadingResult {
  const res = engine.process(asAcquisition(r));
  const c = res.acquisition.channels[r.channel]!;
  const { standard, verdicts, verified, ...rest } = channelReading(res.acquisition, r.channel, c);
  const out: ReadingResult = { reading: rest, events: res.events };
  if (res.judged) {
    out.annotations = { verdicts: verdicts ?? [] };
    if (standard !== undefined) out.annotations.standard = standard;
    if (verified !== undefined) out.annotations.verified = verified;
  }
  return out;
}

/** Processes readings in order; returns every result. */
export function feed(engine: CheckEngine, readings: Reading[]): ReadingResult[] {
  return readings.map((r) => judge(engine, r));
}

/** Runs `n` cycles; returns the results of the standard's own readings. */
export function run(engine: CheckEngine, sc: Scenario, n: number): ReadingResult[] {
  const out: ReadingResult[] = [];
  for (let i = 0; i < n; i++) {
    for (const res of feed(engine, sc.cycle())) if (res.reading.device === 'dmm') out.push(res);
  }
  return out;
}

export function verdictOf(res: ReadingResult, check: string) {
  return res.annotations?.verdicts?.find((v) => v.check === check);
}

/** Operator moves the standard (by 'alice') at the scenario clock's time; throws when refused. */
export function move(engine: CheckEngine, sc: Scenario, to: Parameters<CheckEngine['transition']>[1], id = 'Z1'): void {
  const out = engine.transition(id, to, 'alice', undefined, sc.clock.now());
  if (!out.ok) throw new Error(out.message);
}

/** Runs cycles until the standard is measuring and settled (at most `max`); returns how many. */
export function runUntilMeasuring(engine: CheckEngine, sc: Scenario, max = 10_000, id = 'Z1'): number {
  for (let i = 1; i <= max; i++) {
    run(engine, sc, 1);
    const st = engine.runtime(id)!.state;
    if (st.lifecycle.state === 'measuring' && st.settling.settled) return i;
  }
  throw new Error('never settled');
}
