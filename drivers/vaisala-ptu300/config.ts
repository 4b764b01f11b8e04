import { z } from 'zod';

/** A label as the device writes it before '=' ('RH', 'T', 'Td', 'H2O', 'P3h'). */
const LABEL = /^[A-Za-z][A-Za-z0-9]*$/;
const label = z.string().regex(LABEL, 'expected a label such as "RH", "T", "P" or "Td"');

export const fieldSpec = z
  .object({
    channel: z.string().min(1).describe('the channel name readings of this label get'),
    quantity: z.string().min(1).describe('what is measured, e.g. temperature, humidity, pressure'),
    unit: z.string().min(1).describe("the unit readings are reported in; the device's unit is converted to it when they differ"),
    u: z.number().nonnegative().optional().describe('standard uncertainty (k=1) in `unit`, e.g. from the calibration certificate'),
  })
  .strict();
export type FieldSpec = z.infer<typeof fieldSpec>;

/**
 * The labels a PTU300/HMT330 can put in its output (FORM), with the reading each becomes.
 * `fields` in the options overrides or extends this table label by label.
 */
export const DEFAULT_FIELDS: Readonly<Record<string, FieldSpec>> = {
  RH: { channel: 'humidity', quantity: 'humidity', unit: '%RH' },
  T: { channel: 'temperature', quantity: 'temperature', unit: '°C' },
  P: { channel: 'pressure', quantity: 'pressure', unit: 'hPa' },
  Td: { channel: 'dewpoint', quantity: 'dewpoint', unit: '°C' },
  Tdf: { channel: 'frostpoint', quantity: 'dewpoint', unit: '°C' },
  Ta: { channel: 'temperature_a', quantity: 'temperature', unit: '°C' },
  Tw: { channel: 'wetbulb', quantity: 'wet_bulb_temperature', unit: '°C' },
  x: { channel: 'mixing_ratio', quantity: 'mixing_ratio', unit: 'g/kg' },
  a: { channel: 'absolute_humidity', quantity: 'absolute_humidity', unit: 'g/m3' },
  h: { channel: 'enthalpy', quantity: 'enthalpy', unit: 'kJ/kg' },
  H2O: { channel: 'h2o', quantity: 'volume_concentration', unit: 'ppm' },
  P3h: { channel: 'pressure_tendency', quantity: 'pressure_tendency', unit: 'hPa' },
};

function validPattern(source: string): boolean {
  try {
    return new RegExp(source).source.includes('(?<');
  } catch {
    return false;
  }
}

export const ptu300Config = z
  .object({
    mode: z
      .enum(['polled', 'streaming'])
      .default('polled')
      .describe('polled: every read sends SEND; streaming: the device outputs every intervalSeconds (INTV n S, R)'),
    intervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(2)
      .describe('streaming mode: the output interval set with INTV n S (0 = as fast as the device can)'),
    identify: z
      .boolean()
      .default(false)
      .describe('send ? on connect and report the serial number from the info block'),
    expect: z
      .array(label)
      .min(1)
      .default(['RH', 'T', 'P'])
      .describe('labels every line must contain; a line without one of them is torn (HMT330: ["RH", "T"])'),
    fields: z
      .record(z.string().regex(LABEL), fieldSpec)
      .default({})
      .describe('label -> reading; merged over the built-in table (RH, T, P, Td, Tdf, Ta, Tw, x, a, h, H2O, P3h)'),
    pattern: z
      .string()
      .refine(validPattern, 'expected a regular expression with named groups, e.g. "^(?<RH>\\S+) (?<T>\\S+)$"')
      .optional()
      .describe('for a FORM without labels: a regular expression whose named groups are labels; values are taken in the configured units'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const known = { ...DEFAULT_FIELDS, ...cfg.fields };
    cfg.expect.forEach((l, i) => {
      if (!known[l]) ctx.addIssue({ code: 'custom', path: ['expect', i], message: `no field "${l}": add it to fields` });
    });
  });

export type Ptu300Config = z.infer<typeof ptu300Config>;
