/**
 * The SCPI driver's options (a device's `options` in the YAML) and their resolution against the
 * chosen preset. Every option has a default, so `options: {}` measures DC volts on a 34465A.
 */
import { z } from 'zod';
import { resolveUncertainty, uncertaintyOption, type Uncertainty } from '../shared/uncertainty.js';
import { SCPI_PRESETS, SCPI_PRESET_NAMES } from './presets.js';

export const scpiConfig = z
  .object({
    preset: z.enum(SCPI_PRESET_NAMES).default('keysight-34465a').describe('instrument model: its setup commands, query and channel'),
    setup: z
      .array(z.string().min(1))
      .optional()
      .describe("commands sent after *IDN? on every connect; replaces the preset's list"),
    query: z.string().min(1).optional().describe("the query returning one reading; default the preset's (READ?)"),
    channel: z.string().min(1).optional().describe("the channel name of the readings; default the preset's (dcv, ch1)"),
    quantity: z.string().min(1).default('voltage'),
    unit: z.string().min(1).default('V'),
    drainErrors: z
      .boolean()
      .default(true)
      .describe('read SYST:ERR? until "+0,No error" after setup and after every reading, and report each entry'),
    uncertainty: uncertaintyOption({ relative: 'relative part, e.g. 4e-6 for 4 µV/V', absolute: 'absolute part, in `unit`' }),
  })
  .strict();

export type ScpiConfig = z.infer<typeof scpiConfig>;

/** The options with the preset applied: what the driver actually sends and labels. */
export interface ResolvedScpiConfig {
  setup: readonly string[];
  query: string;
  channel: string;
  quantity: string;
  unit: string;
  drainErrors: boolean;
  uncertainty: Uncertainty | undefined;
}

export function resolveScpiConfig(cfg: ScpiConfig): ResolvedScpiConfig {
  const preset = SCPI_PRESETS[cfg.preset];
  return {
    setup: cfg.setup ?? preset.setup,
    query: cfg.query ?? preset.query,
    channel: cfg.channel ?? preset.channel,
    quantity: cfg.quantity,
    unit: cfg.unit,
    drainErrors: cfg.drainErrors,
    uncertainty: resolveUncertainty(cfg.uncertainty),
  };
}
