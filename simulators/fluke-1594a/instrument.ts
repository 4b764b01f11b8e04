/**
 * The simulated Super-Thermometer's brain, served as a LineHandler: SCPI-style headers (short or
 * long mnemonics, case-insensitive), the error queue, the Operation Status Event Register and an
 * SPRT reading the World's lab air (or a fixed temperature), one new measurement per sample
 * period. Measurements are computed lazily from the clock, so no timer runs.
 */
import type { Clock, Logger } from '../../src/kit.js';
import type { World } from '../physics/world.js';
import type { LineHandler, LineSession } from '../transport/line-server.js';
import type { Fluke1594aSimulatorConfig } from './config.js';
import type { FaultState } from './faults.js';

/** Callendar–Van Dusen coefficients (IEC 60751), close enough to an SPRT's W(T) for a simulation. */
const CVD_A = 3.9083e-3;
const CVD_B = -5.775e-7;
const NEW_MEASUREMENT = 16;
const QUEUE_SIZE = 16;

/** Known mnemonics as [short form, long form]: a received mnemonic is any prefix of the long form
 *  at least as long as the short form (SCPI-99 §6.2.1). */
const MNEMONICS: [string, string][] = [
  ['FETC', 'FETCH'], ['STAT', 'STATUS'], ['OPER', 'OPERATION'], ['COND', 'CONDITION'], ['SYST', 'SYSTEM'],
  ['ERR', 'ERROR'], ['CALC', 'CALCULATE'], ['TYPE', 'TYPE'], ['UNIT', 'UNIT'], ['TEMP', 'TEMPERATURE'],
  ['*IDN', '*IDN'], ['*CLS', '*CLS'], ['*RST', '*RST'],
];

class CommandError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

type CalcType = 'TEMP' | 'RES' | 'RAT';
type TempUnit = 'C' | 'K' | 'F';

export class Fluke1594Instrument implements LineHandler {
  private readonly epoch: number;
  private acquired = 0;
  /** The latest measured temperature, °C (undefined until the first measurement completes). */
  private latest: number | undefined;
  private operationEvent = 0;
  private calc = new Map<number, CalcType>();
  private unit: TempUnit = 'C';
  private readonly errors: { code: number; message: string }[] = [];

  constructor(
    private readonly cfg: Fluke1594aSimulatorConfig,
    private readonly world: World,
    private readonly clock: Clock,
    private readonly faults: FaultState,
    private readonly log: Logger,
  ) {
    this.epoch = clock.monotonic();
  }

  pushError(code: number, message: string): void {
    if (this.errors.length < QUEUE_SIZE) this.errors.push({ code, message });
    else this.errors[QUEUE_SIZE - 1] = { code: -350, message: 'Queue overflow' };
  }

  onLine(line: string, session: LineSession): void {
    this.update();
    const replies: string[] = [];
    for (const command of line.split(';').map((c) => c.trim()).filter((c) => c.length > 0)) {
      try {
        const reply = this.execute(command);
        if (reply !== undefined) replies.push(reply);
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        this.pushError(err.code, err.message);
        this.log.debug({ command, code: err.code }, 'fluke-1594a: command error');
      }
    }
    if (replies.length === 0) return;
    // The queries ran (registers cleared, errors popped); only the answer is lost.
    if (this.faults.noReply.take()) return;
    session.send(replies.join(';'));
  }

  /** Takes the measurements whose sample period ended since the last look. */
  private update(): void {
    const n = Math.floor((this.clock.monotonic() - this.epoch) / this.cfg.samplePeriodMs);
    if (n <= this.acquired) return;
    this.acquired = n;
    if (this.faults.stalled) return;
    const now = this.clock.now();
    const truth = this.cfg.temperature ?? this.world.lab.conditions(now).temperature;
    this.latest = truth + this.world.random.normal() * this.cfg.noise;
    this.operationEvent |= NEW_MEASUREMENT;
  }

  private execute(command: string): string | undefined {
    const m = /^(:?[A-Za-z*][A-Za-z0-9:*]*\??)\s*(.*)$/.exec(command);
    if (!m) throw new CommandError(-102, 'Syntax error');
    const { key, suffix } = normalizeHeader(m[1]!);
    const arg = m[2]!.trim().toUpperCase();
    switch (key) {
      case '*IDN?': {
        const id = this.faults.wrongIdentity.take() ? { ...this.cfg.identity, ...this.faults.identityOverride } : this.cfg.identity;
        return [id.manufacturer, id.model, id.serial, id.firmware].join(',');
      }
      case '*CLS':
        this.errors.length = 0;
        this.operationEvent = 0;
        return undefined;
      case '*RST':
        this.calc.clear();
        this.unit = 'C';
        return undefined;
      case 'FETC?':
        return this.fetch();
      case 'STAT:OPER?': {
        const value = this.operationEvent;
        this.operationEvent = 0;
        return String(value);
      }
      case 'STAT:OPER:COND?':
        return String(NEW_MEASUREMENT);
      case 'SYST:ERR?': {
        const e = this.errors.shift() ?? { code: 0, message: 'No error' };
        return `${e.code},"${e.message}"`;
      }
      case 'CALC:TYPE':
      case 'CALC:TYPE?': {
        if (suffix === undefined || suffix < 1 || suffix > 2) throw new CommandError(-114, 'Header suffix out of range');
        if (key.endsWith('?')) return this.calc.get(suffix) ?? 'TEMP';
        if (arg !== 'TEMP' && arg !== 'RES' && arg !== 'RAT') throw new CommandError(-224, 'Illegal parameter value');
        this.calc.set(suffix, arg);
        return undefined;
      }
      case 'UNIT:TEMP':
        if (arg !== 'C' && arg !== 'K' && arg !== 'F') throw new CommandError(-224, 'Illegal parameter value');
        this.unit = arg;
        return undefined;
      case 'UNIT:TEMP?':
        return this.unit;
      default:
        throw new CommandError(-113, 'Undefined header');
    }
  }

  /** The latest measurement of the SPRT's channel in its calculation type; FETC? also clears the
   *  new-measurement bit. Before the first measurement there is no answer, only error -230. */
  private fetch(): string | undefined {
    this.operationEvent = 0;
    if (this.latest === undefined) throw new CommandError(-230, 'Data corrupt or stale');
    const t = this.latest;
    const resistance = this.cfg.r0 * (1 + CVD_A * t + CVD_B * t * t);
    let text: string;
    switch (this.calc.get(this.cfg.channel) ?? 'TEMP') {
      case 'RES':
        text = `${resistance.toFixed(6)},O`;
        break;
      case 'RAT':
        text = `${(resistance / 25).toFixed(8)},R`;
        break;
      default: {
        const value = this.unit === 'K' ? t + 273.15 : this.unit === 'F' ? (t * 9) / 5 + 32 : t;
        text = `${value.toFixed(5)},${this.unit}`;
      }
    }
    return this.faults.garbled.take() ? garble(text) : text;
  }
}

/** `STATus:OPERation?` → `STAT:OPER?`; the numeric suffix of the header (CALC1) is returned apart. */
export function normalizeHeader(header: string): { key: string; suffix: number | undefined } {
  const query = header.endsWith('?');
  let suffix: number | undefined;
  const parts = header
    .replace(/\?$/, '')
    .replace(/^:/, '')
    .split(':')
    .map((part) => {
      const m = /^(\*?[A-Za-z]+)(\d*)$/.exec(part);
      if (!m) return '?';
      if (m[2]) suffix = Number(m[2]);
      const name = m[1]!.toUpperCase();
      const known = MNEMONICS.find(([short, long]) => name.startsWith(short) && long.startsWith(name));
      return known ? known[0] : name;
    });
  return { key: parts.join(':') + (query ? '?' : ''), suffix };
}

/** A reply hit by line noise: never a valid number. */
export function garble(text: string): string {
  const mid = Math.floor(text.length / 2);
  return `${text.slice(0, mid - 1)}#\xff${text.slice(mid + 1)}`;
}
