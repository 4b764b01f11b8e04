import type { Clock } from '../../src/kit.js';
import type { World } from '../physics/world.js';
import type { LineHandler, LineSession } from '../transport/line-server.js';
import type { Ptu300SimulatorConfig } from './config.js';
import type { FaultState } from './faults.js';
import { DEFAULT_FORM, garble, infoBlock, intervalMs, intervalReply, measurementLine, type Interval } from './format.js';

/** A line to send (the terminator is added), or raw text written as it is. */
type Output = string | { raw: string };

/**
 * The protocol side of a PTU300: SEND, R, S, INTV, FORM, ?. Continuous output (R) runs per
 * session (a TCP client, or the serial line) until S or until that session closes. The output
 * interval is the device's and applies to every session. Faults apply to every reply and to each
 * line of continuous output.
 */
export class Ptu300Device implements LineHandler {
  private interval: Interval = { n: 2, unit: 'S' };
  private readonly running = new Map<LineSession, NodeJS.Timeout>();
  private garbledCount = 0;

  constructor(
    private readonly cfg: Ptu300SimulatorConfig,
    private readonly world: World,
    private readonly clock: Clock,
    private readonly faults: FaultState,
  ) {}

  /** How many sessions are in continuous output (R) now. */
  get continuousSessions(): number {
    return this.running.size;
  }

  onLine(line: string, session: LineSession): void {
    const [word = '', ...args] = line.trim().split(/\s+/);
    switch (word.toUpperCase()) {
      case 'SEND':
        return this.reply(session, () => this.measurementReply());
      case 'R':
        return this.startOutput(session);
      case 'S':
        return this.stopOutput(session);
      case 'INTV':
        return this.intv(args, session);
      case 'FORM':
        return this.reply(session, () => [args.length === 0 ? `Output format  : ${DEFAULT_FORM}` : 'OK']);
      case '?':
        return this.reply(session, () => infoBlock(this.cfg.serial, this.interval));
      case '':
        return;
      default:
        return this.reply(session, () => ['Unknown command']);
    }
  }

  onClose(session: LineSession): void {
    this.stopOutput(session);
  }

  stopAll(): void {
    for (const timer of this.running.values()) clearInterval(timer);
    this.running.clear();
  }

  private intv(args: string[], session: LineSession): void {
    if (args.length > 0) {
      const n = Number(args[0]);
      const unit = (args[1] ?? 'S').toUpperCase();
      if (!Number.isInteger(n) || n < 0 || n > 255 || !['S', 'MIN', 'H'].includes(unit)) {
        return this.reply(session, () => ['Invalid value']);
      }
      this.interval = { n, unit: unit as Interval['unit'] };
      for (const s of [...this.running.keys()]) this.startOutput(s, false);
    }
    this.reply(session, () => [intervalReply(this.interval)]);
  }

  private startOutput(session: LineSession, outputNow = true): void {
    this.stopOutput(session);
    const output = () => this.emit(session, () => this.measurementReply());
    if (outputNow) output();
    this.running.set(session, setInterval(output, intervalMs(this.interval)));
  }

  private stopOutput(session: LineSession): void {
    const timer = this.running.get(session);
    if (timer) clearInterval(timer);
    this.running.delete(session);
  }

  /** Answers a command after responseDelayMs, unless no_reply swallows it. */
  private reply(session: LineSession, lines: () => Output[]): void {
    const send = () => this.emit(session, lines);
    if (this.cfg.responseDelayMs > 0) setTimeout(send, this.cfg.responseDelayMs);
    else send();
  }

  /** Writes the produced lines unless no_reply swallows them (then nothing is produced, so no
   *  other fault is used up); raw text (a torn line) is written as it is. */
  private emit(session: LineSession, produce: () => Output[]): void {
    if (this.faults.take('no_reply')) return;
    for (const l of produce()) {
      if (typeof l === 'string') session.send(l);
      else session.sendRaw(l.raw);
    }
  }

  /** One measurement line from the lab's air, with garbled / torn / sensor_fail applied. */
  private measurementReply(): Output[] {
    const conditions = this.world.lab.conditions(this.clock.now(), this.world.random);
    const line = measurementLine(conditions, { rhFailed: this.faults.take('sensor_fail') !== undefined });
    if (this.faults.take('garbled')) return [garble(line, this.garbledCount++)];
    const torn = this.faults.take('torn');
    if (torn) {
      const half = Math.floor(line.length / 2);
      // 'tail': what a receiver that joined mid-line sees; 'head': a line cut off unterminated,
      // which runs into the next one.
      return torn.part === 'head' ? [{ raw: line.slice(0, half) }, line] : [line.slice(half), line];
    }
    return [line];
  }
}
