/**
 * SCPI instruments on a line link (Keysight 34465A/34470A, Keithley 2182A, any instrument that
 * answers *IDN?, a measurement query and SYST:ERR?), as a line-instrument definition. See
 * README.md for options, presets and the faults handled.
 */
import { z } from '../../src/kit.js';
import { lineDriver } from '../shared/line-instrument.js';
import { parseScpiNumber, scpiErrors, scpiIdentity } from '../shared/scpi.js';
import { resolveUncertainty, uncertaintyOption } from '../shared/uncertainty.js';
import { GENERIC_SCPI, SCPI_PRESETS, SCPI_PRESET_NAMES } from './presets.js';

export const scpiConfig = z
  .object({
    preset: z
      .enum(SCPI_PRESET_NAMES)
      .optional()
      .describe('instrument model: its setup commands, query and channel; none: a generic SCPI instrument (no setup, READ?, channel dcv)'),
    setup: z.array(z.string().min(1)).optional().describe("commands sent after *IDN? on every connect; replaces the preset's list"),
    query: z.string().min(1).optional().describe("the query returning one reading; default the preset's (READ?)"),
    channel: z.string().min(1).optional().describe("the channel name of the readings; default the preset's (dcv, ch1)"),
    quantity: z.string().min(1).default('voltage'),
    unit: z.string().min(1).default('V'),
    drainErrors: z
      .boolean()
      .default(true)
      .describe('read SYST:ERR? until "+0,No error" after setup, after every reading and after a query went unanswered, and report each entry'),
    uncertainty: uncertaintyOption({ relative: 'relative part, e.g. 4e-6 for 4 µV/V', absolute: 'absolute part, in `unit`' }),
  })
  .strict();

export type ScpiConfig = z.infer<typeof scpiConfig>;

export const scpiDriver = lineDriver({
  kind: 'scpi',
  description: 'a SCPI instrument (Keysight 34465A/34470A, Keithley 2182A, or generic): *IDN?, setup, READ?, SYST:ERR?',
  options: scpiConfig,
  identity: scpiIdentity,
  errors: scpiErrors,
  plan: (o) => {
    const preset = o.preset ? SCPI_PRESETS[o.preset] : GENERIC_SCPI;
    return {
      setup: o.setup ?? preset.setup,
      measure: [{ channel: o.channel ?? preset.channel, quantity: o.quantity, unit: o.unit, query: o.query ?? preset.query, parse: parseScpiNumber }],
      drainErrors: o.drainErrors,
      uncertainty: resolveUncertainty(o.uncertainty),
    };
  },
});

export { SCPI_PRESETS, GENERIC_SCPI, type ScpiPresetName } from './presets.js';
export { parseIdn, parseScpiNumber, parseSystErr } from '../shared/scpi.js';
