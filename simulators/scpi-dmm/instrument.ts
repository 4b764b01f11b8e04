/**
 * The simulated DMM's brain, served as a LineHandler: settings, the error queue, the measurement
 * taken from the World at the clock's time, and the faults that shape each reply.
 */
import type { Clock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import type { World } from '../physics/world.js';
import type { ZenerStandard } from '../physics/zener.js';
import type { LineHandler, LineSession } from '../transport/line-server.js';
import { defaultSettings, runCommand, type DmmContext, type DmmFunction, type DmmSettings } from './commands.js';
import type { DmmIdentity } from './config.js';
import type { FaultState } from './faults.js';
import { OVERLOAD, formatError, formatReading, garble } from './format.js';
import { ScpiCommandError, splitMessage } from './scpi.js';

/** Entries the error queue holds (34465A); a further error replaces the last with -350. */
export const ERROR_QUEUE_SIZE = 20;

/** The instrument's SCPI error queue, oldest first. */
export class ErrorQueue {
  private entries: { code: number; message: string }[] = [];

  /** Adds an entry; a full queue keeps its oldest entries and ends in -350 "Queue overflow". */
  push(code: number, message: string): void {
    if (this.entries.length < ERROR_QUEUE_SIZE) this.entries.push({ code, message });
    else this.entries[ERROR_QUEUE_SIZE - 1] = { code: -350, message: 'Queue overflow' };
  }

  /** The oldest entry as SYST:ERR? answers it, `+0,"No error"` when empty. */
  next(): string {
    const next = this.entries.shift();
    return next ? formatError(next.code, next.message) : formatError(0, 'No error');
  }

  clear(): void {
    this.entries = [];
  }
}
/** A reading beyond 120 % of a fixed range is an overload, as on the 34465A. */
const OVERRANGE_FACTOR = 1.2;
/** Noise of a shorted input, V. */
const SHORTED_NOISE = 2e-8;

export interface DmmInstrumentOptions {
  identity: DmmIdentity;
  /** The standard on the input; undefined = nothing connected (shorted volts, open ohms). */
  standard: ZenerStandard | undefined;
  powerOnFunction: DmmFunction;
  responseDelayMs: number;
  world: World;
  clock: Clock;
  log: Logger;
  faults: FaultState;
  errors: ErrorQueue;
}

export class DmmInstrument implements LineHandler, DmmContext {
  settings: DmmSettings;
  /** Replies leave each session in order, even when some are delayed. */
  private readonly outbox = new Map<LineSession, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly opts: DmmInstrumentOptions) {
    this.settings = defaultSettings(opts.powerOnFunction);
  }

  onLine(line: string, session: LineSession): void {
    const replies: string[] = [];
    for (const { header, args } of splitMessage(line)) {
      try {
        const reply = runCommand(this, header, args);
        if (reply !== undefined) replies.push(reply);
      } catch (err) {
        if (!(err instanceof ScpiCommandError)) throw err;
        this.opts.errors.push(err.code, err.message);
        this.opts.log.debug({ command: line, code: err.code }, 'scpi-dmm: command error');
      }
    }
    if (replies.length === 0) return;
    // The queries ran (settings changed, readings taken); only the answer is lost.
    if (this.opts.faults.noReply.take()) return;
    const delay = this.opts.responseDelayMs + (this.opts.faults.slow.take() ? this.opts.faults.slowDelayMs : 0);
    this.reply(session, replies.join(';'), delay);
  }

  onClose(session: LineSession): void {
    this.outbox.delete(session);
  }

  /** Aborts replies still waiting for their delay. */
  shutdown(): void {
    this.stopping.abort();
  }

  // DmmContext: what the command handlers act on.

  identity(): string {
    const wrong = this.opts.faults.wrongIdentity.take();
    const id = wrong ? { ...this.opts.identity, ...this.opts.faults.identityOverride } : this.opts.identity;
    return [id.manufacturer, id.model, id.serial, id.firmware].join(',');
  }

  reset(): void {
    this.settings = defaultSettings(this.opts.powerOnFunction);
  }

  clearErrors(): void {
    this.opts.errors.clear();
  }

  nextError(): string {
    return this.opts.errors.next();
  }

  measure(): string {
    const faults = this.opts.faults;
    if (faults.overrange.take()) return formatReading(OVERLOAD);
    const value = this.input();
    const range = this.settings.range[this.settings.func];
    if (range !== 'auto' && Math.abs(value) > range * OVERRANGE_FACTOR) return formatReading(Math.sign(value) * OVERLOAD);
    const text = formatReading(value);
    return faults.garbled.take() ? garble(text) : text;
  }

  /** The true value at the input now, with the standard's noise. */
  private input(): number {
    const { world, clock, standard } = this.opts;
    const now = clock.now();
    if (this.settings.func === 'fres') return standard ? standard.thermistor(world.random) : OVERLOAD;
    if (!standard || this.settings.channel === 2) return world.random.normal() * SHORTED_NOISE;
    return standard.value(now, world.lab.conditions(now).temperature, world.random);
  }

  private reply(session: LineSession, text: string, delayMs: number): void {
    const previous = this.outbox.get(session) ?? Promise.resolve();
    const next = previous
      .then(() => (delayMs > 0 ? this.opts.clock.sleep(delayMs, this.stopping.signal) : undefined))
      .then(() => session.send(text))
      .catch(() => undefined);
    this.outbox.set(session, next);
  }
}
