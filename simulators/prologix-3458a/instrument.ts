/**
 * The simulated 3458A behind the adapter: its own command language (not SCPI), one output buffer,
 * the ERRSTR? queue, and readings taken from the World. The adapter hands it complete GPIB
 * messages (`listen`) and asks for its output (`talk`).
 */
import type { Clock, Logger } from '../../src/kit.js';
import type { World } from '../physics/world.js';
import type { ZenerStandard } from '../physics/zener.js';
import type { FaultState } from './faults.js';

export const OVERLOAD = 1e38;
/** The 3458A reads up to 120 % of a fixed range before it reports an overload. */
const OVERRANGE_FACTOR = 1.2;
/** Noise of a shorted input, V. */
const SHORTED_NOISE = 2e-8;

/** The simulator's error numbers (the driver reports whatever number it reads). */
export const HP_ERRORS = {
  triggerTooFast: { code: 102, message: 'TRIGGER TOO FAST' },
  syntax: { code: 103, message: 'SYNTAX ERROR' },
  undefinedCommand: { code: 104, message: 'UNDEFINED COMMAND' },
  parameterRange: { code: 106, message: 'PARAMETER OUT OF RANGE' },
} as const;

type Trigger = 'AUTO' | 'SYN' | 'SGL' | 'HOLD' | 'EXT' | 'LEVEL' | 'LINE';
const FUNCTIONS = ['DCV', 'ACV', 'ACDCV', 'DCI', 'ACI', 'ACDCI', 'OHM', 'OHMF', 'FREQ', 'PER', 'DSAC', 'DSDC', 'SSAC', 'SSDC'];
/** Accepted and ignored: they change nothing the simulation models. */
const NO_OP = new Set(['TARM', 'AZERO', 'LFILTER', 'FIXEDZ', 'OCOMP', 'MATH', 'DISP', 'BEEP', 'NRDGS', 'MEM', 'ARANGE', 'DELAY', 'TIMER', 'TBUFF', 'INBUF', 'QFORMAT', 'DEFEAT', 'LOCK', 'MFORMAT']);

interface Settings {
  func: string;
  range: number | 'AUTO';
  nplc: number;
  ndig: number;
  trigger: Trigger;
}

const powerOn = (): Settings => ({ func: 'DCV', range: 'AUTO', nplc: 10, ndig: 7, trigger: 'AUTO' });

export interface Hp3458InstrumentOptions {
  identity: string;
  standard: ZenerStandard | undefined;
  measurementMs: number;
  internalRise: number;
  world: World;
  clock: Clock;
  log: Logger;
  faults: FaultState;
}

export class Hp3458Instrument {
  private settings = powerOn();
  /** The unread reply; `readyAt` (monotonic) is when a triggered reading finishes integrating. */
  private output: { text: string; readyAt: number } | undefined;
  /** Bytes of a message whose end (EOI or a terminator) has not arrived yet. */
  private partial = '';
  private readonly errors: { code: number; message: string }[] = [];
  /** Every message executed, newest last (bounded): for tests and the status page. */
  readonly received: string[] = [];

  constructor(private readonly opts: Hp3458InstrumentOptions) {}

  /** GPIB data addressed to the instrument; `end` when the message ended (EOI or terminator). */
  listen(data: string, end: boolean): void {
    this.partial += data;
    if (!end) return;
    const message = this.partial.replace(/[\r\n]+$/, '');
    this.partial = '';
    this.received.push(message);
    if (this.received.length > 200) this.received.shift();
    for (const command of splitCommands(message)) this.execute(command);
  }

  /**
   * The instrument addressed to talk: its output once ready, or undefined when nothing is ready
   * within `timeoutMs` (the adapter then sends nothing). With TRIG SYN or AUTO, being addressed to
   * talk with an empty buffer takes a reading.
   */
  async talk(timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
    const { clock } = this.opts;
    if (!this.output && (this.settings.trigger === 'SYN' || this.settings.trigger === 'AUTO')) this.takeReading();
    const out = this.output;
    if (!out) {
      await clock.sleep(timeoutMs, signal);
      return undefined;
    }
    const wait = out.readyAt - clock.monotonic();
    if (wait > timeoutMs) {
      await clock.sleep(timeoutMs, signal);
      return undefined;
    }
    if (wait > 0) await clock.sleep(wait, signal);
    if (this.output !== out) return undefined;
    this.output = undefined;
    return out.text + '\r\n';
  }

  /** Selected device clear: input and output buffers are emptied; settings stay. */
  deviceClear(): void {
    this.partial = '';
    this.output = undefined;
  }

  /** Serial poll: bit 7 (128) while a reply waits to be read. */
  statusByte(): number {
    return this.output ? 128 : 0;
  }

  pushError(code: number, message: string): void {
    this.errors.push({ code, message });
  }

  private execute(command: string): void {
    const m = /^\s*([A-Za-z]+\??)\s*(.*)$/s.exec(command);
    if (!m) return this.pushError(HP_ERRORS.syntax.code, HP_ERRORS.syntax.message);
    const header = m[1]!.toUpperCase();
    const args = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((a) => a.trim().toUpperCase());
    const s = this.settings;
    switch (header) {
      case 'ID?':
        return this.reply(this.opts.faults.wrongIdentity.take() ? this.opts.faults.identityOverride : this.opts.identity);
      case 'RESET':
        this.settings = powerOn();
        return;
      case 'PRESET':
        // PRESET NORM (the default) leaves TRIG SYN: a reading is taken when addressed to talk.
        this.settings = { ...powerOn(), trigger: (args[0] ?? 'NORM') === 'NORM' ? 'SYN' : 'AUTO' };
        return;
      case 'FUNC':
        return this.setFunction(args[0], args[1]);
      case 'RANGE':
        return this.setRange(args[0]);
      case 'NPLC':
        return this.setNumber(args[0], 0, 1000, (v) => (s.nplc = v));
      case 'NDIG':
        return this.setNumber(args[0], 3, 8, (v) => (s.ndig = Math.round(v)));
      case 'TRIG':
        return this.trigger(args[0] ?? 'SGL');
      case 'OFORMAT':
        if ((args[0] ?? 'ASCII') !== 'ASCII') this.pushError(HP_ERRORS.parameterRange.code, HP_ERRORS.parameterRange.message);
        return;
      case 'END':
        return;
      case 'TEMP?':
        return this.reply(this.internalTemperature().toFixed(1));
      case 'ERRSTR?': {
        const e = this.errors.shift() ?? { code: 0, message: 'NO ERROR' };
        return this.reply(`${e.code},"${e.message}"`);
      }
      default:
        if (FUNCTIONS.includes(header)) return this.setFunction(header, args[0]);
        if (NO_OP.has(header)) return;
        this.pushError(HP_ERRORS.undefinedCommand.code, HP_ERRORS.undefinedCommand.message);
        this.opts.log.debug({ command }, 'prologix-3458a: undefined command');
    }
  }

  private setFunction(func: string | undefined, range: string | undefined): void {
    if (!func || !FUNCTIONS.includes(func)) return this.pushError(HP_ERRORS.parameterRange.code, HP_ERRORS.parameterRange.message);
    this.settings.func = func;
    this.setRange(range ?? 'AUTO');
  }

  private setRange(arg: string | undefined): void {
    if (arg === undefined || arg === 'AUTO') {
      this.settings.range = 'AUTO';
      return;
    }
    this.setNumber(arg, 0, 1e9, (v) => (this.settings.range = v));
  }

  private setNumber(arg: string | undefined, min: number, max: number, set: (v: number) => void): void {
    const v = arg === undefined ? NaN : Number(arg);
    if (!Number.isFinite(v) || v < min || v > max) return this.pushError(HP_ERRORS.parameterRange.code, HP_ERRORS.parameterRange.message);
    set(v);
  }

  private trigger(arg: string): void {
    const modes: Trigger[] = ['AUTO', 'SYN', 'SGL', 'HOLD', 'EXT', 'LEVEL', 'LINE'];
    if (!modes.includes(arg as Trigger)) return this.pushError(HP_ERRORS.parameterRange.code, HP_ERRORS.parameterRange.message);
    if (arg !== 'SGL') {
      this.settings.trigger = arg as Trigger;
      return;
    }
    // A trigger while the previous reading still integrates is refused, as on the real meter.
    if (this.output && this.output.readyAt > this.opts.clock.monotonic())
      return this.pushError(HP_ERRORS.triggerTooFast.code, HP_ERRORS.triggerTooFast.message);
    this.settings.trigger = 'HOLD';
    this.takeReading();
  }

  private takeReading(): void {
    const faults = this.opts.faults;
    let text: string;
    if (faults.overrange.take()) text = formatReading(OVERLOAD, this.settings.ndig);
    else {
      const value = this.input();
      const range = this.settings.range;
      const over = range !== 'AUTO' && Math.abs(value) > range * OVERRANGE_FACTOR;
      text = formatReading(over ? Math.sign(value) * OVERLOAD : value, this.settings.ndig);
      if (faults.garbled.take()) text = garble(text);
    }
    this.reply(text, this.opts.measurementMs);
  }

  /** Puts a reply in the output buffer (replacing an unread one); no_reply loses it. */
  private reply(text: string, delayMs = 0): void {
    if (this.opts.faults.noReply.take()) {
      this.output = undefined;
      return;
    }
    this.output = { text, readyAt: this.opts.clock.monotonic() + delayMs };
  }

  private input(): number {
    const { world, clock, standard } = this.opts;
    const now = clock.now();
    switch (this.settings.func) {
      case 'OHM':
      case 'OHMF':
        return standard ? standard.thermistor(world.random) : OVERLOAD;
      case 'DCV':
        if (standard) return standard.value(now, world.lab.conditions(now).temperature, world.random);
        return world.random.normal() * SHORTED_NOISE;
      default:
        return world.random.normal() * SHORTED_NOISE;
    }
  }

  private internalTemperature(): number {
    const { world, clock } = this.opts;
    return world.lab.conditions(clock.now()).temperature + this.opts.internalRise + world.random.normal() * 0.05;
  }
}

/** `SD.DDDDDDDDE+DD`: a space or '-' for the sign, `ndig` decimals, a two-digit exponent. */
export function formatReading(value: number, ndig = 8): string {
  const [mantissa, exponent] = Math.abs(value).toExponential(ndig).toUpperCase().split('E') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${value < 0 ? '-' : ' '}${mantissa}E${sign}${digits}`;
}

/** A reading with a few characters hit by line noise: never a valid number. */
export function garble(text: string): string {
  const mid = Math.floor(text.length / 2);
  return `${text.slice(0, mid - 1)}#\xff${text.slice(mid + 1)}`;
}

/** Splits a message on ';' outside double quotes (DISP MSG,"A;B" is one command). */
export function splitCommands(message: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of message) {
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((c) => c.trim()).filter((c) => c.length > 0);
}
