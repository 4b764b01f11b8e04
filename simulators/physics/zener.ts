import { z } from 'zod';
import type { Rng } from '../../src/kit.js';

export const standardConfig = z
  .object({
    id: z.string().min(1),
    nominal: z.number().default(10).describe('nominal value, V'),
    offset: z.number().default(2.5e-6).describe('deviation from nominal at t0, V'),
    driftPerDay: z.number().default(-3e-8).describe('linear drift, V/day'),
    tempco: z.number().default(5e-8).describe('temperature coefficient, V/K, times (T - 23 °C)'),
    noise: z.number().nonnegative().default(5e-8).describe('white noise, V (standard deviation)'),
    t0: z.string().datetime().default('2026-01-01T00:00:00Z').describe('time origin of the drift'),
    thermistorOhms: z.number().positive().default(39_000).describe("oven thermistor at its set point, Ω"),
  })
  .strict();
export type StandardConfig = z.infer<typeof standardConfig>;

const DAY_MS = 86_400_000;
/** Oven thermistor sensitivity: about -3.8 %/K. */
const THERMISTOR_PER_K = -0.038;

/**
 * A 10 V Zener transfer standard: nominal + offset + linear drift + tempco·(T − 23 °C) + white
 * noise. Steps and power interruptions can be injected (a power loss cools the oven, which shows as
 * a rise of the thermistor resistance, and leaves a step in the output).
 */
export class ZenerStandard {
  private readonly t0: number;
  private step = 0;
  private ovenCoolingK = 0;

  constructor(readonly cfg: StandardConfig) {
    this.t0 = Date.parse(cfg.t0);
  }

  get id(): string {
    return this.cfg.id;
  }

  /** The output voltage at `atMs` in air at `airTemperature` °C. */
  value(atMs: number, airTemperature: number, random?: Rng): number {
    const days = (atMs - this.t0) / DAY_MS;
    const noise = random ? random.normal() * this.cfg.noise : 0;
    return (
      this.cfg.nominal +
      this.cfg.offset +
      this.cfg.driftPerDay * days +
      this.cfg.tempco * (airTemperature - 23) +
      this.step +
      noise
    );
  }

  /** The oven thermistor's resistance, Ω (4-wire); rises when the oven cools. */
  thermistor(random?: Rng): number {
    const noise = random ? random.normal() * 0.5 : 0;
    return this.cfg.thermistorOhms * (1 + THERMISTOR_PER_K * -this.ovenCoolingK) + noise;
  }

  /** Adds a step of `volts` to the output from now on. */
  injectStep(volts: number): void {
    this.step += volts;
  }

  /** Oven cooled by `kelvin` (0 = powered and settled). */
  setOvenCooling(kelvin: number): void {
    this.ovenCoolingK = kelvin;
  }
}
