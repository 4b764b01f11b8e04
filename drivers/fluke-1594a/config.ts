/**
 * The fluke-1594a driver's options (a device's `options` in the YAML). Every option has a
 * default, so `options: {}` reads temperature in °C on front channel 1, new measurements only.
 */
import { z } from 'zod';
import { duration } from '../../src/config/duration.js';
import { resolveUncertainty, uncertaintyOption, type Uncertainty } from '../shared/uncertainty.js';

export const fluke1594aConfig = z
  .object({
    channel: z.number().int().min(1).max(99).default(1).describe('input channel (1, 2 on the front; more with a scanner)'),
    measure: z.enum(['temperature', 'resistance']).default('temperature').describe('sets CALC<channel>:TYPE TEMP or RES'),
    temperatureUnit: z.enum(['C', 'K', 'F']).default('C').describe('UNIT:TEMP sent on connect'),
    setup: z
      .array(z.string().min(1))
      .optional()
      .describe('commands sent after *IDN? on every connect; replaces *CLS, CALC<n>:TYPE and UNIT:TEMP'),
    query: z.string().min(1).default('FETC?').describe('the query returning the latest measurement'),
    onlyNew: z
      .boolean()
      .default(true)
      .describe('poll STAT:OPER? and fetch only when bit 4 says a new measurement exists (no duplicates)'),
    maxAge: duration()
      .default(60_000)
      .describe('with onlyNew: no new measurement for this long gives an `unavailable` reading each cycle'),
    channelName: z.string().min(1).optional().describe('the channel name of the readings; default ch<channel>'),
    drainErrors: z.boolean().default(true).describe('read SYST:ERR? until 0 after setup and after each cycle'),
    uncertainty: uncertaintyOption({ absolute: "in the reading's unit, e.g. 0.001 (K)" }),
  })
  .strict();

export type Fluke1594aConfig = z.infer<typeof fluke1594aConfig>;

export interface ResolvedFluke1594aConfig {
  setup: readonly string[];
  query: string;
  onlyNew: boolean;
  maxAgeMs: number;
  channel: string;
  quantity: string;
  unit: string;
  drainErrors: boolean;
  uncertainty: Uncertainty | undefined;
}

const TEMPERATURE_UNITS = { C: '°C', K: 'K', F: '°F' } as const;

export function resolveFluke1594aConfig(cfg: Fluke1594aConfig): ResolvedFluke1594aConfig {
  const temperature = cfg.measure === 'temperature';
  return {
    setup: cfg.setup ?? ['*CLS', `CALC${cfg.channel}:TYPE ${temperature ? 'TEMP' : 'RES'}`, `UNIT:TEMP ${cfg.temperatureUnit}`],
    query: cfg.query,
    onlyNew: cfg.onlyNew,
    maxAgeMs: cfg.maxAge,
    channel: cfg.channelName ?? `ch${cfg.channel}`,
    quantity: temperature ? 'temperature' : 'resistance',
    unit: temperature ? TEMPERATURE_UNITS[cfg.temperatureUnit] : 'Ω',
    drainErrors: cfg.drainErrors,
    uncertainty: resolveUncertainty(cfg.uncertainty),
  };
}
