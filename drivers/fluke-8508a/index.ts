/**
 * The Fluke 8508A reference multimeter, as a line-instrument definition: on RS-232, or on GPIB
 * behind a `prologix` link. Not SCPI: `DCV 20,FILT_OFF,RESL8,FAST_OFF,TWO_WR` selects and
 * configures a function, `TRG_SRCE EXT` holds the trigger, `X?` (= `*TRG;RDG?`) triggers one
 * reading and returns it; errors are seen in the IEEE 488.2 event status register (`*ESR?`).
 * Sources and what could not be confirmed: README.md.
 */
import { z } from '../../src/kit.js';
import { lineDriver } from '../shared/line-instrument.js';
import { parseNumberReply } from '../shared/numbers.js';
import { scpiIdentity } from '../shared/scpi.js';
import { resolveUncertainty, uncertaintyOption } from '../shared/uncertainty.js';

export const F8508_FUNCTIONS = {
  DCV: { quantity: 'voltage', unit: 'V', channel: 'dcv', wiring: true },
  DCI: { quantity: 'current', unit: 'A', channel: 'dci', wiring: false },
  OHMS: { quantity: 'resistance', unit: 'Ω', channel: 'ohms', wiring: true },
  TRUE_OHMS: { quantity: 'resistance', unit: 'Ω', channel: 'true_ohms', wiring: true },
} as const;
type F8508Function = keyof typeof F8508_FUNCTIONS;

/** Readings at or beyond this magnitude are the meter's overload (see README: not confirmed). */
export const F8508_OVERLOAD = 2e35;

const ESR_BITS: readonly [number, string][] = [[32, 'command error'], [16, 'execution error'], [8, 'device-dependent error'], [4, 'query error']];

/** `*ESR?` as an error entry: the error bits set (code 0 when none), named. Reading it clears it. */
export function parseEsr(reply: string): { code: number; message: string } | null {
  const m = /^\s*\+?(\d{1,3})\s*$/.exec(reply);
  if (!m || Number(m[1]) > 255) return null;
  const bits = ESR_BITS.filter(([bit]) => Number(m[1]) & bit);
  return { code: bits.reduce((sum, [bit]) => sum + bit, 0), message: bits.map(([, name]) => name).join(', ') };
}

export const fluke8508aConfig = z
  .object({
    function: z.enum(Object.keys(F8508_FUNCTIONS) as [F8508Function, ...F8508Function[]]).default('DCV'),
    range: z.union([z.number().positive(), z.literal('AUTO')]).default(20).describe('range, e.g. 20 (V) for a 10 V standard, 20000 (Ω)'),
    resolution: z.number().int().min(5).max(8).default(8).describe('RESL5..RESL8 (digits)'),
    filter: z.boolean().default(false).describe('FILT_ON: the analog filter'),
    fast: z.boolean().default(false).describe('FAST_ON: shorter integration'),
    fourWire: z.boolean().optional().describe('FOUR_WR instead of TWO_WR; default: four-wire for ohms, two-wire for volts'),
    input: z.enum(['FRONT', 'REAR']).default('FRONT').describe('INPUT: the terminals measured'),
    setup: z.array(z.string().min(1)).optional().describe('commands sent after *IDN? on every connect; replaces the generated list'),
    channel: z.string().min(1).optional().describe("default: the function's name (dcv, ohms, ...)"),
    quantity: z.string().min(1).optional(),
    unit: z.string().min(1).optional(),
    drainErrors: z.boolean().default(true).describe('read *ESR? after setup and after each reading; report the error bits'),
    uncertainty: uncertaintyOption({ relative: 'relative part, e.g. 3.5e-6', absolute: 'absolute part, in `unit`' }),
  })
  .strict();

export type Fluke8508aConfig = z.infer<typeof fluke8508aConfig>;

/** `*CLS`, the function with its settings, the input, and the trigger held for X?. */
export function setupCommands(o: Fluke8508aConfig): string[] {
  const labels = F8508_FUNCTIONS[o.function];
  const settings = [String(o.range), o.filter ? 'FILT_ON' : 'FILT_OFF', `RESL${o.resolution}`, o.fast ? 'FAST_ON' : 'FAST_OFF'];
  if (labels.wiring) settings.push((o.fourWire ?? labels.quantity === 'resistance') ? 'FOUR_WR' : 'TWO_WR');
  return ['*CLS', `${o.function} ${settings.join(',')}`, `INPUT ${o.input}`, 'TRG_SRCE EXT'];
}

export const fluke8508aDriver = lineDriver({
  kind: 'fluke-8508a',
  description: 'a Fluke 8508A reference multimeter (RS-232, or GPIB on a prologix link): *IDN?, DCV/OHMS setup, X?, *ESR?',
  options: fluke8508aConfig,
  identity: scpiIdentity,
  errors: { query: '*ESR?', parse: parseEsr, codePrefix: 'F8508A_ESR_', limit: 2, queueName: 'event status register' },
  plan: (o) => {
    const labels = F8508_FUNCTIONS[o.function];
    return {
      setup: o.setup ?? setupCommands(o),
      measure: [
        {
          channel: o.channel ?? labels.channel,
          quantity: o.quantity ?? labels.quantity,
          unit: o.unit ?? labels.unit,
          query: 'X?',
          parse: (reply) => parseNumberReply(reply, { overload: F8508_OVERLOAD }),
        },
      ],
      drainErrors: o.drainErrors,
      uncertainty: resolveUncertainty(o.uncertainty),
    };
  },
});
