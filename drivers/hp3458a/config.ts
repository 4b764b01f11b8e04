/**
 * The hp3458a driver's options (a device's `options` in the YAML) and their resolution into the
 * commands it sends. Every option has a default, so `options: {}` measures DC volts on the 10 V
 * range at 100 PLC on GPIB address 22.
 */
import { z } from 'zod';
import { resolveUncertainty, uncertaintyOption, type Uncertainty } from '../shared/uncertainty.js';
import { adapterSetupCommands, type PrologixEos } from './prologix.js';

/** The measuring functions the driver labels itself; others work through `setup` plus `quantity`/`unit`. */
export const HP3458_FUNCTIONS = {
  DCV: { quantity: 'voltage', unit: 'V', channel: 'dcv' },
  DCI: { quantity: 'current', unit: 'A', channel: 'dci' },
  OHM: { quantity: 'resistance', unit: 'Ω', channel: 'ohm' },
  OHMF: { quantity: 'resistance', unit: 'Ω', channel: 'ohmf' },
} as const;
export type Hp3458Function = keyof typeof HP3458_FUNCTIONS;

export const hp3458aConfig = z
  .object({
    gpibAddress: z.number().int().min(0).max(30).default(22).describe('the 3458A\'s GPIB address (factory setting 22)'),
    eos: z
      .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])
      .default(2)
      .describe('++eos: terminator the adapter appends to commands (0 CR LF, 1 CR, 2 LF, 3 none: EOI only)'),
    readTmoMs: z
      .number()
      .int()
      .min(1)
      .max(3000)
      .default(3000)
      .describe('++read_tmo_ms; a reading slower than this (100 PLC with autozero) is fetched by repeating ++read'),
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

/** The options resolved into what the driver sends and how it labels readings. */
export interface ResolvedHp3458aConfig {
  adapterSetup: readonly string[];
  readTmoMs: number;
  setup: readonly string[];
  serial: string;
  channel: string;
  quantity: string;
  unit: string;
  internalTemperature: boolean;
  drainErrors: boolean;
  uncertainty: Uncertainty | undefined;
}

/**
 * The default setup: PRESET NORM for a known state, ASCII output with EOI after every reading (so
 * `++read eoi` ends), triggers held until TRIG SGL, then function, range, integration and 8½ digits.
 */
export function defaultSetup(fn: Hp3458Function, range: number | 'AUTO', nplc: number): string[] {
  return ['PRESET NORM', 'OFORMAT ASCII', 'END ALWAYS', 'TRIG HOLD', `FUNC ${fn},${range}`, `NPLC ${nplc}`, 'NDIG 8'];
}

export function resolveHp3458aConfig(cfg: Hp3458aConfig): ResolvedHp3458aConfig {
  const labels = HP3458_FUNCTIONS[cfg.function];
  return {
    adapterSetup: adapterSetupCommands({ gpibAddress: cfg.gpibAddress, eos: cfg.eos as PrologixEos, readTmoMs: cfg.readTmoMs }),
    readTmoMs: cfg.readTmoMs,
    setup: cfg.setup ?? defaultSetup(cfg.function, cfg.range, cfg.nplc),
    serial: cfg.serial,
    channel: cfg.channel ?? labels.channel,
    quantity: cfg.quantity ?? labels.quantity,
    unit: cfg.unit ?? labels.unit,
    internalTemperature: cfg.internalTemperature,
    drainErrors: cfg.drainErrors,
    uncertainty: resolveUncertainty(cfg.uncertainty),
  };
}
