/**
 * The command set of the simulated DMM: the Keysight 34465A/34470A commands a gateway uses and the
 * Keithley 2182A forms for the same settings, as a command table for the shared line device
 * (which answers *IDN?, *RST, *CLS, *ESR?, *OPC? and SYST:ERR? itself). A handler returns the
 * reply text for a query, nothing for a command, or throws ScpiCommandError.
 */
import type { SimContext, SimHandler } from '../shared/line-device.js';
import {
  booleanParameter,
  compileHeader,
  firstParameter,
  illegalValue,
  numericParameter,
  stringParameter,
} from '../shared/scpi-syntax.js';
import { OVERLOAD, formatSetting } from './format.js';

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

type DmmContext = SimContext<DmmSettings>;

/** A reading beyond 120 % of a fixed range is an overload, as on the 34465A. */
const OVERRANGE_FACTOR = 1.2;
/** Noise of a shorted input, V. */
const SHORTED_NOISE = 2e-8;

/** Takes one reading of the input with the current settings, as the instrument prints it. */
function measure(ctx: DmmContext): string {
  const { world, clock, standard, settings } = ctx;
  const now = clock.now();
  let value: number;
  if (settings.func === 'fres') value = standard ? standard.thermistor(world.random) : OVERLOAD;
  else if (!standard || settings.channel === 2) value = world.random.normal() * SHORTED_NOISE;
  else value = standard.value(now, world.lab.conditions(now).temperature, world.random);
  const range = settings.range[settings.func];
  return ctx.reading(range !== 'auto' && Math.abs(value) > range * OVERRANGE_FACTOR ? Math.sign(value) * OVERLOAD : value);
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

export const COMMANDS: readonly (readonly [string, SimHandler<DmmSettings>])[] = [
  ['*WAI', () => undefined],
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
  ['READ?', (ctx) => measure(ctx)],
  [
    'MEASure[:VOLTage][:DC]?',
    (ctx, args) => {
      configure(ctx, 'volt', args);
      return measure(ctx);
    },
  ],
  [
    'MEASure:FRESistance?',
    (ctx, args) => {
      configure(ctx, 'fres', args);
      return measure(ctx);
    },
  ],
];

export function defaultSettings(func: DmmFunction): DmmSettings {
  return { func, range: { volt: 'auto', fres: 'auto' }, nplc: NPLC.def, channel: 1 };
}
