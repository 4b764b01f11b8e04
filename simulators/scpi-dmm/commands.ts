/**
 * The command set of the simulated DMM: the Keysight 34465A/34470A commands a gateway uses and the
 * Keithley 2182A forms for the same settings. A command is a header pattern and a handler; a
 * handler returns the reply text for a query, nothing for a command, or throws ScpiCommandError.
 */
import {
  booleanParameter,
  compileHeader,
  firstParameter,
  illegalValue,
  numericParameter,
  stringParameter,
  ScpiCommandError,
} from './scpi.js';
import { formatSetting } from './format.js';

export type DmmFunction = 'volt' | 'fres';

/** The measurement settings *RST restores. */
export interface DmmSettings {
  func: DmmFunction;
  /** Full-scale range per function (V, Ω), or autorange: each function keeps its own, as on a 34465A. */
  range: Record<DmmFunction, number | 'auto'>;
  nplc: number;
  /** 2182A input channel; channel 2 is not wired to the standard (it reads a shorted input). */
  channel: 1 | 2;
}

/** What the handlers act on; the instrument implements it. */
export interface DmmContext {
  settings: DmmSettings;
  identity(): string;
  reset(): void;
  clearErrors(): void;
  nextError(): string;
  /** Takes one reading with the current settings and returns it formatted (or garbled). */
  measure(): string;
}

/** Ranges (full scale) per function; a requested range rounds up to the next one. */
const RANGES: Record<DmmFunction, readonly number[]> = {
  volt: [0.1, 1, 10, 100, 1000],
  fres: [100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8],
};
const NPLC = { min: 0.001, max: 100, def: 10 };

function setRange(ctx: DmmContext, func: DmmFunction, arg: string | undefined): void {
  const ranges = RANGES[func];
  const requested = numericParameter(arg, { min: 0, max: ranges[ranges.length - 1]!, def: 'auto', auto: true });
  ctx.settings.range[func] = requested === 'auto' ? 'auto' : ranges.find((r) => r >= requested)!;
}

function configure(ctx: DmmContext, func: DmmFunction, args: string): void {
  ctx.settings.func = func;
  const range = firstParameter(args);
  if (range === undefined) ctx.settings.range[func] = 'auto';
  else setRange(ctx, func, range);
}

function setFunction(ctx: DmmContext, args: string): void {
  const name = stringParameter(args);
  if (compileHeader('VOLTage[:DC]').test(name)) ctx.settings.func = 'volt';
  else if (compileHeader('FRESistance').test(name)) ctx.settings.func = 'fres';
  else throw illegalValue();
}

function setNplc(ctx: DmmContext, args: string): void {
  ctx.settings.nplc = numericParameter(firstParameter(args), { ...NPLC, def: NPLC.def }) as number;
}

type Handler = (ctx: DmmContext, args: string) => string | void;

const COMMANDS: [string, Handler][] = [
  ['*IDN?', (ctx) => ctx.identity()],
  ['*RST', (ctx) => ctx.reset()],
  ['*CLS', (ctx) => ctx.clearErrors()],
  ['*OPC?', () => '1'],
  ['*WAI', () => undefined],
  ['*ESR?', () => '+0'],
  ['SYSTem:ERRor[:NEXT]?', (ctx) => ctx.nextError()],
  ['CONFigure[:VOLTage][:DC]', (ctx, args) => configure(ctx, 'volt', args)],
  ['CONFigure:FRESistance', (ctx, args) => configure(ctx, 'fres', args)],
  ['[SENSe:]FUNCtion[:ON]', setFunction],
  ['[SENSe:]FUNCtion[:ON]?', (ctx) => (ctx.settings.func === 'volt' ? '"VOLT"' : '"FRES"')],
  ['[SENSe:]VOLTage[:DC]:NPLCycles', setNplc],
  ['[SENSe:]FRESistance:NPLCycles', setNplc],
  ['[SENSe:]VOLTage[:DC]:NPLCycles?', (ctx) => formatSetting(ctx.settings.nplc)],
  ['[SENSe:]FRESistance:NPLCycles?', (ctx) => formatSetting(ctx.settings.nplc)],
  ['[SENSe:]VOLTage[:DC]:RANGe[:UPPer]', (ctx, args) => setRange(ctx, 'volt', firstParameter(args))],
  ['[SENSe:]VOLTage[:DC]:CHANnel1:RANGe[:UPPer]', (ctx, args) => setRange(ctx, 'volt', firstParameter(args))],
  ['[SENSe:]VOLTage[:DC]:CHANnel2:RANGe[:UPPer]', (ctx, args) => setRange(ctx, 'volt', firstParameter(args))],
  ['[SENSe:]FRESistance:RANGe[:UPPer]', (ctx, args) => setRange(ctx, 'fres', firstParameter(args))],
  [
    '[SENSe:]VOLTage[:DC]:RANGe:AUTO',
    (ctx, args) => {
      if (booleanParameter(args)) ctx.settings.range.volt = 'auto';
      else if (ctx.settings.range.volt === 'auto') ctx.settings.range.volt = 1000;
    },
  ],
  ['[SENSe:]VOLTage[:DC]:RANGe[:UPPer]?', (ctx) => formatSetting(ctx.settings.range.volt === 'auto' ? 1000 : ctx.settings.range.volt)],
  [
    '[SENSe:]CHANnel',
    (ctx, args) => {
      const channel = numericParameter(firstParameter(args), { min: 1, max: 2, def: 1 });
      if (channel !== 1 && channel !== 2) throw illegalValue();
      ctx.settings.channel = channel;
    },
  ],
  ['[SENSe:]CHANnel?', (ctx) => String(ctx.settings.channel)],
  ['READ?', (ctx) => ctx.measure()],
  [
    'MEASure[:VOLTage][:DC]?',
    (ctx, args) => {
      configure(ctx, 'volt', args);
      return ctx.measure();
    },
  ],
  [
    'MEASure:FRESistance?',
    (ctx, args) => {
      configure(ctx, 'fres', args);
      return ctx.measure();
    },
  ],
];

const TABLE = COMMANDS.map(([pattern, handle]) => ({ pattern: compileHeader(pattern), handle }));

/** Runs one command. Returns its reply for a query; throws ScpiCommandError (-113 when unknown). */
export function runCommand(ctx: DmmContext, header: string, args: string): string | undefined {
  const entry = TABLE.find((c) => c.pattern.test(header));
  if (!entry) throw new ScpiCommandError(-113, 'Undefined header');
  return entry.handle(ctx, args) ?? undefined;
}

export function defaultSettings(func: DmmFunction): DmmSettings {
  return { func, range: { volt: 'auto', fres: 'auto' }, nplc: NPLC.def, channel: 1 };
}
