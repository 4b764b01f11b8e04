import { z } from 'zod';
import type { Rng } from '../../src/kit.js';

export const labConfig = z
  .object({
    temperature: z.number().default(23).describe('mean air temperature, °C'),
    temperatureSwing: z.number().nonnegative().default(0.3).describe('amplitude of the slow daily swing, K'),
    humidity: z.number().default(45).describe('mean relative humidity, %RH'),
    humiditySwing: z.number().nonnegative().default(3),
    pressure: z.number().default(1013.25).describe('mean air pressure, hPa'),
    pressureSwing: z.number().nonnegative().default(2),
    period: z.number().positive().default(86_400).describe('period of the swings, s'),
  })
  .strict();
export type LabConfig = z.infer<typeof labConfig>;

export interface LabConditions {
  temperature: number;
  humidity: number;
  pressure: number;
}

/** A laboratory whose air varies slowly (a sinusoid over `period`) with a little sensor noise. */
export class Lab {
  /** Offsets a scenario or a test can add (e.g. an air-conditioning failure). */
  readonly offset: LabConditions = { temperature: 0, humidity: 0, pressure: 0 };

  constructor(private readonly cfg: LabConfig) {}

  conditions(atMs: number, random?: Rng): LabConditions {
    const phase = (2 * Math.PI * (atMs / 1000)) / this.cfg.period;
    const noise = (sd: number) => (random ? random.normal() * sd : 0);
    return {
      temperature: this.cfg.temperature + this.cfg.temperatureSwing * Math.sin(phase) + this.offset.temperature + noise(0.002),
      humidity: this.cfg.humidity + this.cfg.humiditySwing * Math.sin(phase + 1) + this.offset.humidity + noise(0.05),
      pressure: this.cfg.pressure + this.cfg.pressureSwing * Math.sin(phase / 3) + this.offset.pressure + noise(0.02),
    };
  }
}
