/**
 * The Fluke (Hart Scientific) 1529 Chub-E4 thermometer readout, as a line-instrument definition:
 * four inputs (PRT, thermistor, thermocouple), read on RS-232 (or GPIB on a prologix link) with
 * `FETC? <n>`, the latest measurement of input n; one acquisition holds every configured input.
 * Sources and what could not be confirmed: README.md.
 */
import { z } from '../../src/kit.js';
import { lineDriver, type ParsedReply } from '../shared/line-instrument.js';
import { NUMBER } from '../shared/numbers.js';
import { SCPI_INFINITY, scpiErrors, scpiIdentity } from '../shared/scpi.js';
import { printable } from '../shared/printable.js';
import { resolveUncertainty, uncertaintyOption } from '../shared/uncertainty.js';

const UNITS = { C: { unit: '°C', quantity: 'temperature' }, F: { unit: '°F', quantity: 'temperature' }, K: { unit: 'K', quantity: 'temperature' } } as const;
type UnitLetter = keyof typeof UNITS;

/** A FETC? reply: `23.45678`, or with its unit, `23.45678 C` / `23.45678,C`; 9.9E37 is an open input. */
export function parseFetch(reply: string): ParsedReply {
  const m = /^\s*(\S+?)\s*(?:[ ,]\s*([A-Za-z]))?\s*$/.exec(reply);
  if (!m || !NUMBER.test(m[1]!)) return { kind: 'invalid', reason: `not a reading: "${printable(reply.trim())}"` };
  const value = Number(m[1]);
  if (Math.abs(value) >= SCPI_INFINITY * (1 - 1e-6)) return { kind: 'overrange', value };
  const letter = m[2]?.toUpperCase();
  if (letter === undefined) return { kind: 'number', value };
  if (!(letter in UNITS)) return { kind: 'invalid', reason: `unknown unit "${printable(m[2]!)}"` };
  return { kind: 'number', value, stated: UNITS[letter as UnitLetter] };
}

export const fluke1529Config = z
  .object({
    inputs: z
      .array(z.object({ input: z.number().int().min(1).max(4), channel: z.string().min(1).optional() }).strict())
      .min(1)
      .default([{ input: 1 }])
      .describe('the inputs read each cycle, each a channel (default ch<input>)'),
    temperatureUnit: z.enum(['C', 'F', 'K']).default('C').describe('UNIT:TEMP sent on connect'),
    setup: z.array(z.string().min(1)).optional().describe('commands sent after *IDN? on every connect; replaces *CLS and UNIT:TEMP'),
    drainErrors: z.boolean().default(true).describe('read SYST:ERR? until 0 after setup and after each cycle'),
    uncertainty: uncertaintyOption({ absolute: 'in the reading\'s unit, e.g. 0.002 (K)' }),
  })
  .strict()
  .refine((o) => new Set(o.inputs.map((i) => i.input)).size === o.inputs.length, { path: ['inputs'], message: 'an input is listed twice' });

export type Fluke1529Config = z.infer<typeof fluke1529Config>;

export const fluke1529Driver = lineDriver({
  kind: 'fluke-1529',
  description: 'a Fluke/Hart 1529 Chub-E4 thermometer readout: *IDN?, UNIT:TEMP, FETC? <input> per input, SYST:ERR?',
  options: fluke1529Config,
  identity: scpiIdentity,
  errors: { ...scpiErrors, limit: 10 },
  plan: (o) => ({
    setup: o.setup ?? ['*CLS', `UNIT:TEMP ${o.temperatureUnit}`],
    measure: o.inputs.map(({ input, channel }) => ({
      channel: channel ?? `ch${input}`,
      ...UNITS[o.temperatureUnit],
      resolution: 0.0001,
      query: `FETC? ${input}`,
      parse: parseFetch,
    })),
    drainErrors: o.drainErrors,
    uncertainty: resolveUncertainty(o.uncertainty),
  }),
});
