/**
 * A simulated Fluke (Hart) 1529 Chub-E4 thermometer readout over TCP and/or a serial pty (or on
 * GPIB behind a simulated Prologix adapter): up to four probes in the simulated lab's air, each
 * with its own offset (a probe in a bath: a fixed temperature), one new measurement per input and
 * sample period. A definition of replies on the shared line device (simulators/shared/).
 * Commands and what could not be confirmed: README.md.
 */
import { z } from '../../src/kit.js';
import type { SimContext } from '../shared/line-device.js';
import { lineSimulator } from '../shared/line-simulator.js';
import { ScpiCommandError, firstParameter } from '../shared/scpi-syntax.js';

const probe = z
  .object({
    input: z.number().int().min(1).max(4),
    offset: z.number().default(0).describe('added to the lab air temperature, K'),
    temperature: z.number().optional().describe('a fixed temperature, °C, instead of the lab air (a bath, a fixed-point cell)'),
    noise: z.number().nonnegative().default(0.0005).describe('K (standard deviation)'),
  })
  .strict();
type Probe = z.infer<typeof probe>;

interface Settings {
  unit: 'C' | 'F' | 'K';
  probes: readonly Probe[];
  samplePeriodMs: number;
  /** Per input: the sample period of the latest measurement and its value, °C. */
  latest: Map<number, { period: number; celsius: number }>;
}

const fromCelsius = { C: (t: number) => t, K: (t: number) => t + 273.15, F: (t: number) => (t * 9) / 5 + 32 };
export const OPEN_INPUT = 9.9e37;

/** The latest measurement of an input, taken lazily once per sample period (no timer runs). */
function fetch(ctx: SimContext<Settings>, args: string): string {
  const input = Number(firstParameter(args) ?? '1');
  if (!Number.isInteger(input) || input < 1 || input > 4) throw new ScpiCommandError(-222, 'Data out of range');
  const p = ctx.settings.probes.find((x) => x.input === input);
  if (!p) return ctx.reading(OPEN_INPUT);
  const period = Math.floor(ctx.clock.monotonic() / ctx.settings.samplePeriodMs);
  let latest = ctx.settings.latest.get(input);
  if (!latest || latest.period !== period) {
    const air = ctx.world.lab.conditions(ctx.clock.now()).temperature;
    latest = { period, celsius: (p.temperature ?? air + p.offset) + ctx.world.random.normal() * p.noise };
    ctx.settings.latest.set(input, latest);
  }
  return ctx.reading(fromCelsius[ctx.settings.unit](latest.celsius));
}

export const fluke1529Simulator = lineSimulator({
  kind: 'fluke-1529',
  description: 'a simulated Fluke/Hart 1529 Chub-E4 thermometer readout with up to four probes in the lab of the world',
  identity: { manufacturer: 'HART', model: '1529', serial: 'A1B234', firmware: '1.10' },
  options: {
    probes: z.array(probe).default([{ input: 1, offset: 0, noise: 0.0005 }]).describe('the probes connected; other inputs read open (9.9E37)'),
    samplePeriodMs: z.number().positive().default(1000).describe('one new measurement per input and period'),
  },
  settings: (o): Settings => ({ unit: 'C', probes: o.probes, samplePeriodMs: o.samplePeriodMs, latest: new Map() }),
  commands: [
    ['FETCh?', fetch],
    ['READ?', fetch],
    [
      'UNIT:TEMPerature',
      (ctx, args) => {
        const unit = (firstParameter(args) ?? '').toUpperCase();
        if (unit !== 'C' && unit !== 'F' && unit !== 'K') throw new ScpiCommandError(-224, 'Illegal parameter value');
        ctx.settings.unit = unit;
      },
    ],
    ['UNIT:TEMPerature?', (ctx) => ctx.settings.unit],
  ],
  format: (v) => (Math.abs(v) >= OPEN_INPUT ? '9.9E+37' : v.toFixed(4)),
  overload: OPEN_INPUT,
  terminator: 'CRLF',
});
