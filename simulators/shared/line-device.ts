/**
 * The shared simulated line instrument: what every simulated SCPI-style instrument does the same
 * way, so that one instrument is a definition of replies (line-simulator.ts) over the shared
 * physics. It splits messages at `;`, matches headers in short or long form (scpi-syntax.ts),
 * answers the IEEE 488.2 common commands itself, keeps an error queue and the Standard Event
 * Status Register, applies the reply faults, and keeps replies in order per session. It is served
 * as a LineHandler (RS-232 or TCP) or, through `gpib()`, as a device behind the simulated
 * Prologix adapter.
 */
import type { Clock, Logger } from '../../src/kit.js';
import type { World } from '../physics/world.js';
import type { ZenerStandard } from '../physics/zener.js';
import type { LineHandler, LineSession } from '../transport/line-server.js';
import type { GpibDevice } from './prologix-adapter.js';
import { ScpiCommandError, compileHeader, splitMessage } from './scpi-syntax.js';
import type { LineFaults } from './line-faults.js';

export interface Identity {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
}

/** What a command handler acts on. */
export interface SimContext<S> {
  settings: S;
  readonly world: World;
  readonly clock: Clock;
  /** The standard wired to the input, if any. */
  readonly standard: ZenerStandard | undefined;
  /** A measured value as the instrument prints it, with the overrange and garbled faults applied. */
  reading(value: number): string;
}

/** A handler returns the reply text of a query, nothing for a command, or throws ScpiCommandError. */
export type SimHandler<S> = (ctx: SimContext<S>, args: string, suffix: number | undefined) => string | void;

export interface LineDeviceSpec<S> {
  identity: Identity;
  settings(): S;
  commands: readonly (readonly [string, SimHandler<S>])[];
  /** Prints a reading (`value` may be `overload`). */
  format(value: number): string;
  /** The value an overload prints as (SCPI 9.9E37). */
  overload: number;
  /** Answer SYST:ERR? from the error queue (SCPI); every instrument answers *ESR?. */
  scpiErrorQueue: boolean;
  standard: ZenerStandard | undefined;
  responseDelayMs: number;
}

const QUEUE_SIZE = 20;
/** IEEE 488.2 event status bits by SCPI error class: command, execution, device-dependent, query. */
const esrBit = (code: number) => (code <= -100 && code > -200 ? 32 : code <= -200 && code > -300 ? 16 : code <= -400 && code > -500 ? 4 : 8);

export function formatScpiError(code: number, message: string): string {
  return `${code >= 0 ? '+' : ''}${code},"${message.replace(/"/g, '""')}"`;
}

export class LineDevice<S> implements LineHandler, SimContext<S> {
  settings: S;
  private errors: { code: number; message: string }[] = [];
  private esr = 0;
  private readonly table: { pattern: RegExp; handle: SimHandler<S> }[];
  private readonly outbox = new Map<LineSession, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly spec: LineDeviceSpec<S>,
    readonly world: World,
    readonly clock: Clock,
    private readonly faults: LineFaults,
    private readonly log: Logger,
  ) {
    this.settings = spec.settings();
    const common: [string, SimHandler<S>][] = [
      ['*IDN?', () => this.identity()],
      ['*RST', () => void (this.settings = spec.settings())],
      ['*CLS', () => void ((this.errors = []), (this.esr = 0))],
      ['*ESR?', () => String(this.takeEsr())],
      ['*OPC?', () => '1'],
    ];
    if (spec.scpiErrorQueue) common.push(['SYSTem:ERRor[:NEXT]?', () => this.nextError()]);
    this.table = [...common, ...spec.commands].map(([pattern, handle]) => ({ pattern: compileHeader(pattern), handle }));
  }

  get standard(): ZenerStandard | undefined {
    return this.spec.standard;
  }

  /** Queues an instrument error (a full queue ends in -350) and sets its event status bit. */
  pushError(code: number, message: string): void {
    if (this.errors.length < QUEUE_SIZE) this.errors.push({ code, message });
    else this.errors[QUEUE_SIZE - 1] = { code: -350, message: 'Queue overflow' };
    this.esr |= esrBit(code);
  }

  reading(value: number): string {
    if (this.faults.overrange.take()) return this.spec.format(this.spec.overload);
    const text = this.spec.format(value);
    return this.faults.garbled.take() ? garble(text) : text;
  }

  /** Runs one message; returns the replies of its queries joined by `;` (undefined: none, or lost). */
  execute(line: string): string | undefined {
    const replies: string[] = [];
    for (const { header, args } of splitMessage(line)) {
      try {
        const entry = this.table.map((c) => ({ c, m: c.pattern.exec(header) })).find((x) => x.m);
        if (!entry) throw new ScpiCommandError(-113, 'Undefined header');
        const suffix = entry.m![1] ? Number(entry.m![1]) : undefined;
        const reply = entry.c.handle(this, args, suffix);
        if (reply !== undefined) replies.push(reply);
      } catch (err) {
        if (!(err instanceof ScpiCommandError)) throw err;
        this.pushError(err.code, err.message);
        this.log.debug({ command: line, code: err.code }, 'simulated instrument: command error');
      }
    }
    // The queries ran (settings changed, readings taken); only the answer is lost.
    if (replies.length === 0 || this.faults.noReply.take()) return undefined;
    return replies.join(';');
  }

  /** The delay before the next reply: the integration time, plus a `slow` fault's. */
  delayMs(): number {
    return this.spec.responseDelayMs + (this.faults.slow.take() ? this.faults.slowDelayMs : 0);
  }

  onLine(line: string, session: LineSession): void {
    const text = this.execute(line);
    if (text === undefined) return;
    const delay = this.delayMs();
    const previous = this.outbox.get(session) ?? Promise.resolve();
    const next = previous
      .then(() => (delay > 0 ? this.clock.sleep(delay, this.stopping.signal) : undefined))
      .then(() => session.send(text))
      .catch(() => undefined);
    this.outbox.set(session, next);
  }

  onClose(session: LineSession): void {
    this.outbox.delete(session);
  }

  shutdown(): void {
    this.stopping.abort();
  }

  /** The same instrument on GPIB: one output buffer, read when the adapter addresses it to talk. */
  gpib(): GpibDevice {
    let output: { text: string; readyAt: number } | undefined;
    let partial = '';
    return {
      listen: (data, end) => {
        partial += data;
        if (!end) return;
        const text = this.execute(partial.replace(/[\r\n]+$/, ''));
        partial = '';
        if (text !== undefined) output = { text, readyAt: this.clock.monotonic() + this.delayMs() };
      },
      talk: async (timeoutMs, signal) => {
        const out = output;
        const wait = out ? out.readyAt - this.clock.monotonic() : Infinity;
        if (wait > timeoutMs) return void (await this.clock.sleep(timeoutMs, signal));
        if (wait > 0) await this.clock.sleep(wait, signal);
        if (output !== out) return undefined;
        output = undefined;
        return `${out!.text}\r\n`;
      },
      deviceClear: () => void ((partial = ''), (output = undefined)),
      statusByte: () => (output ? 16 : 0),
    };
  }

  private identity(): string {
    const id = this.faults.wrongIdentity.take() ? { ...this.spec.identity, ...this.faults.identityOverride } : this.spec.identity;
    return [id.manufacturer, id.model, id.serial, id.firmware].join(',');
  }

  private nextError(): string {
    const e = this.errors.shift() ?? { code: 0, message: 'No error' };
    return formatScpiError(e.code, e.message);
  }

  private takeEsr(): number {
    const value = this.esr;
    this.esr = 0;
    return value;
  }
}

/** A reply hit by line noise: two characters replaced by `#` and a non-ASCII byte; never a number. */
export function garble(text: string): string {
  const mid = Math.floor(text.length / 2);
  return `${text.slice(0, mid - 1)}#\xff${text.slice(mid + 1)}`;
}
