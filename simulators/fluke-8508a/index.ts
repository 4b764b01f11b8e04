/**
 * A simulated Fluke 8508A reference multimeter over TCP and/or a serial pty, or on GPIB behind a
 * simulated Prologix adapter (`gpibAddress`), measuring a standard of the simulated World: DC
 * volts of its output, ohms of its oven thermistor. A definition of replies on the shared line
 * device (simulators/shared/). Commands and what could not be confirmed: README.md.
 */
import { z } from '../../src/kit.js';
import { lineSimulator } from '../shared/line-simulator.js';
import type { SimContext } from '../shared/line-device.js';
import { ScpiCommandError, firstParameter, numericParameter } from '../shared/scpi-syntax.js';

type Func = 'DCV' | 'DCI' | 'OHMS' | 'TRUE_OHMS';
interface Settings {
  func: Func;
  range: number | 'auto';
  trigger: 'INT' | 'EXT';
  input: 'FRONT' | 'REAR' | 'OFF';
  /** The last reading, as RDG? returns it. */
  last: string | undefined;
}

/** The ranges by their full scale (the 20 V range for a 10 V standard); a reading beyond it is an overload. */
const RANGES: Record<Func, readonly number[]> = {
  DCV: [0.2, 2, 20, 200, 1000],
  DCI: [0.0002, 0.002, 0.02, 0.2, 2, 20],
  OHMS: [2, 20, 200, 2e3, 2e4, 2e5, 2e6, 2e7, 2e8, 2e9],
  TRUE_OHMS: [2, 20, 200, 2e3, 2e4],
};
const WORDS = /^(AUTO|FILT_ON|FILT_OFF|RESL[5-8]|FAST_ON|FAST_OFF|TWO_WR|FOUR_WR|LOI_ON|LOI_OFF)$/;
export const OVERLOAD = 2e35;

function configure(ctx: SimContext<Settings>, func: Func, args: string): void {
  ctx.settings.func = func;
  for (const word of args.split(',').map((a) => a.trim().toUpperCase()).filter((a) => a.length > 0)) {
    if (word === 'AUTO') ctx.settings.range = 'auto';
    else if (WORDS.test(word)) continue;
    else {
      const requested = numericParameter(word, { min: 0, max: Math.max(...RANGES[func]), def: 'auto' }) as number;
      ctx.settings.range = RANGES[func].find((r) => r >= requested)!;
    }
  }
}

/** One reading of the selected input: the standard's output or its oven thermistor. */
function measure(ctx: SimContext<Settings>): string {
  const { world, clock, standard, settings } = ctx;
  const now = clock.now();
  let value = world.random.normal() * 2e-8; // a shorted or unconnected input
  if (settings.input === 'OFF') value = 0;
  else if (settings.func === 'DCV' && standard) value = standard.value(now, world.lab.conditions(now).temperature, world.random);
  else if (settings.func !== 'DCV' && settings.func !== 'DCI') value = standard ? standard.thermistor(world.random) : OVERLOAD;
  const over = settings.range !== 'auto' && Math.abs(value) > settings.range * 0.999999;
  return (settings.last = ctx.reading(over ? Math.sign(value) * OVERLOAD : value));
}

const choice = <T extends string>(words: readonly T[]) => (args: string): T => {
  const word = (firstParameter(args) ?? '').toUpperCase() as T;
  if (!words.includes(word)) throw new ScpiCommandError(-224, 'Illegal parameter value');
  return word;
};

export const fluke8508aSimulator = lineSimulator({
  kind: 'fluke-8508a',
  description: 'a simulated Fluke 8508A reference multimeter (RS-232/TCP, or GPIB behind a Prologix adapter) measuring a standard of the world',
  identity: { manufacturer: 'FLUKE', model: '8508A', serial: '953012345', firmware: '1.14' },
  options: { function: z.enum(['DCV', 'OHMS']).default('DCV').describe('power-on and *RST function') },
  settings: (o): Settings => ({ func: o.function, range: 'auto', trigger: 'INT', input: 'FRONT', last: undefined }),
  commands: [
    ['DCV', (ctx, args) => configure(ctx, 'DCV', args)],
    ['DCI', (ctx, args) => configure(ctx, 'DCI', args)],
    ['OHMS', (ctx, args) => configure(ctx, 'OHMS', args)],
    ['TRUE_OHMS', (ctx, args) => configure(ctx, 'TRUE_OHMS', args)],
    ['TRG_SRCE', (ctx, args) => void (ctx.settings.trigger = choice(['INT', 'EXT'] as const)(args))],
    ['INPUT', (ctx, args) => void (ctx.settings.input = choice(['FRONT', 'REAR', 'OFF'] as const)(args))],
    ['GUARD', (_ctx, args) => void choice(['INT', 'EXT'] as const)(args)],
    ['*TRG', (ctx) => void measure(ctx)],
    ['X?', (ctx) => measure(ctx)],
    // With TRG_SRCE INT the meter measures continuously: RDG? returns a fresh reading.
    ['RDG?', (ctx) => (ctx.settings.trigger === 'INT' || !ctx.settings.last ? measure(ctx) : ctx.settings.last)],
  ],
  format: (v) => v.toExponential(8).toUpperCase().replace(/^(\d)/, '+$1').replace(/E([+-])(\d)$/, 'E$10$2'),
  overload: OVERLOAD,
  scpiErrorQueue: false,
  terminator: 'CRLF',
});
