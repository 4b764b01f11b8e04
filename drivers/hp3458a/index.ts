/**
 * The Keysight (HP) 3458A DMM on GPIB behind a `prologix` link, as a line-instrument definition:
 * its own command language (ID?, TRIG SGL, TEMP?, ERRSTR?), not SCPI. The adapter's part
 * (addressing, escaping, ++read) is the link's (src/links/prologix.ts). See README.md.
 */
import { z } from '../../src/kit.js';
import { lineDriver } from '../shared/line-instrument.js';
import { resolveUncertainty, uncertaintyOption } from '../shared/uncertainty.js';
import { parseErrstr, parseHp3458Id, parseHp3458Number } from './parse.js';

/** The measuring functions the driver labels itself; others work through `setup` plus `quantity`/`unit`. */
export const HP3458_FUNCTIONS = {
  DCV: { quantity: 'voltage', unit: 'V', channel: 'dcv' },
  DCI: { quantity: 'current', unit: 'A', channel: 'dci' },
  OHM: { quantity: 'resistance', unit: 'Ω', channel: 'ohm' },
  OHMF: { quantity: 'resistance', unit: 'Ω', channel: 'ohmf' },
} as const;
export type Hp3458Function = keyof typeof HP3458_FUNCTIONS;

/** Options that moved to the `prologix` link: named with where they went, instead of "unrecognized key". */
const movedToLink = (to: string) =>
  z
    .never({ error: `moved to the link: put the device on a link of type prologix with ${to} (see drivers/hp3458a/README.md)` })
    .optional()
    .describe(`removed: the prologix link's ${to}`);

export const hp3458aConfig = z
  .object({
    gpibAddress: movedToLink('address'),
    eos: movedToLink('eos'),
    readTmoMs: movedToLink('readTimeout'),
    function: z.enum(Object.keys(HP3458_FUNCTIONS) as [Hp3458Function, ...Hp3458Function[]]).default('DCV'),
    range: z.union([z.number().positive(), z.literal('AUTO')]).default(10).describe('FUNC range, e.g. 10 (V) or 10000 (Ω)'),
    nplc: z.number().positive().max(1000).default(100).describe('integration time in power-line cycles'),
    setup: z
      .array(z.string().min(1))
      .optional()
      .describe('instrument commands sent after ID? on every connect; replaces the generated PRESET NORM … NPLC list'),
    serial: z.string().default('').describe('the serial number to report (the 3458A cannot be asked for it)'),
    channel: z.string().min(1).optional().describe("default: the function's name (dcv, ohmf, ...)"),
    quantity: z.string().min(1).optional(),
    unit: z.string().min(1).optional(),
    internalTemperature: z.boolean().default(true).describe('query TEMP? after each reading into extra.internalTemperature'),
    drainErrors: z.boolean().default(true).describe('read ERRSTR? until 0,"NO ERROR" after setup and after each reading'),
    uncertainty: uncertaintyOption({ relative: 'relative part, e.g. 4e-6 for 4 µV/V', absolute: 'absolute part, in `unit`' }),
  })
  .strict();

export type Hp3458aConfig = z.infer<typeof hp3458aConfig>;

/**
 * The default setup: PRESET NORM for a known state, ASCII output with EOI after every reading (so
 * `++read eoi` ends), triggers held until TRIG SGL, then function, range, integration and 8½ digits.
 */
export function defaultSetup(fn: Hp3458Function, range: number | 'AUTO', nplc: number): string[] {
  return ['PRESET NORM', 'OFORMAT ASCII', 'END ALWAYS', 'TRIG HOLD', `FUNC ${fn},${range}`, `NPLC ${nplc}`, 'NDIG 8'];
}

function temperature(reply: string): number | null {
  const parsed = parseHp3458Number(reply);
  return parsed.kind === 'number' ? parsed.value : null;
}

export const hp3458aDriver = lineDriver({
  kind: 'hp3458a',
  description: 'a Keysight/HP 3458A on GPIB behind a prologix link: ID?, TRIG SGL, TEMP?, ERRSTR?',
  options: hp3458aConfig,
  linkTypes: ['prologix'],
  identity: { query: 'ID?', parse: (reply, o) => parseHp3458Id(reply, o.serial) },
  errors: { query: 'ERRSTR?', parse: parseErrstr, codePrefix: 'HP3458A_', limit: 10, queueName: 'error register' },
  plan: (o) => {
    const labels = HP3458_FUNCTIONS[o.function];
    return {
      setup: o.setup ?? defaultSetup(o.function, o.range, o.nplc),
      measure: [
        {
          channel: o.channel ?? labels.channel,
          quantity: o.quantity ?? labels.quantity,
          unit: o.unit ?? labels.unit,
          query: 'TRIG SGL',
          parse: parseHp3458Number,
          extras: o.internalTemperature ? [{ name: 'internalTemperature', query: 'TEMP?', parse: temperature }] : [],
        },
      ],
      drainErrors: o.drainErrors,
      uncertainty: resolveUncertainty(o.uncertainty),
    };
  },
});

export { parseErrstr, parseHp3458Id, parseHp3458Number } from './parse.js';
