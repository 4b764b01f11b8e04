/**
 * The Fluke 1594A/1595A Super-Thermometer on RS-232 (or a serial device server), as a
 * line-instrument definition.
 *
 * Why STAT:OPER? is polled (`onlyNew`, the default): the 1594A measures on its own schedule (one
 * result every few seconds with its filter) and FETC? returns the latest result however often it
 * is asked, so polling faster than the instrument measures would journal the same sample several
 * times and bias every mean, drift fit and Allan deviation. STAT:OPER? answers 16 once per new
 * measurement (reading it, or FETC?, clears the bit), so a cycle without a new measurement returns
 * no reading at all. It also avoids FETC? before the first result, which the instrument does not
 * answer (error -230). A measurement that stops coming is made visible after `maxAge`.
 */
import { duration, z } from '../../src/kit.js';
import { lineDriver } from '../shared/line-instrument.js';
import { scpiErrors, scpiIdentity } from '../shared/scpi.js';
import { resolveUncertainty, uncertaintyOption } from '../shared/uncertainty.js';
import { fetchReading, isNewMeasurement } from './parse.js';

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

const TEMPERATURE_UNITS = { C: '°C', K: 'K', F: '°F' } as const;

export const fluke1594aDriver = lineDriver({
  kind: 'fluke-1594a',
  description: 'a Fluke 1594A/1595A Super-Thermometer: *IDN?, STAT:OPER?, FETC?, SYST:ERR?',
  options: fluke1594aConfig,
  identity: scpiIdentity,
  errors: { ...scpiErrors, limit: 10 },
  plan: (o) => {
    const temperature = o.measure === 'temperature';
    return {
      setup: o.setup ?? ['*CLS', `CALC${o.channel}:TYPE ${temperature ? 'TEMP' : 'RES'}`, `UNIT:TEMP ${o.temperatureUnit}`],
      measure: [
        {
          channel: o.channelName ?? `ch${o.channel}`,
          quantity: temperature ? 'temperature' : 'resistance',
          unit: temperature ? TEMPERATURE_UNITS[o.temperatureUnit] : 'Ω',
          query: o.query,
          parse: fetchReading,
        },
      ],
      drainErrors: o.drainErrors,
      uncertainty: resolveUncertainty(o.uncertainty),
      onlyNew: o.onlyNew
        ? { query: 'STAT:OPER?', isNew: isNewMeasurement, maxAgeMs: o.maxAge }
        : undefined,
    };
  },
});

export { parseFetch, parseIdn, parseStatusRegister, parseSystErr } from './parse.js';
