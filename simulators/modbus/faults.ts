import type { Fault } from '../types.js';

/**
 * The faults the Modbus simulator reproduces on request. Every fault may name a `unit` (default:
 * every unit) and a `count` of replies it affects (default: until { type: 'clear' }).
 *
 * - { type: 'timeout' }                   no reply
 * - { type: 'exception', code: 1|2|3|4|6 } an exception reply with that code
 * - { type: 'crc' }                       RTU: a reply with a corrupted CRC; TCP (no CRC): a
 *                                         reply one register short of its byte count
 * - { type: 'slow', delayMs: 500 }        the reply comes `delayMs` late
 * - { type: 'unavailable', channel? }     NaN (floats) or the sentinel (integers) in the values
 * - { type: 'dead', unit, forMs? }        the unit stops answering, and comes back after `forMs`
 *                                         (or on { type: 'revive', unit } or 'clear')
 * - { type: 'revive', unit }              a dead unit answers again
 * - { type: 'single-connection', enabled? } TCP refuses a second client while one is connected
 * - { type: 'disconnect', downMs? }       drops every TCP client; the pty disappears for downMs
 * - { type: 'clear' }                     ends every fault
 */

export const FAULT_TYPES = ['timeout', 'exception', 'crc', 'slow', 'unavailable', 'dead', 'revive', 'single-connection', 'disconnect', 'clear'] as const;

interface Active {
  type: 'timeout' | 'exception' | 'crc' | 'slow' | 'unavailable';
  unit?: number;
  remaining?: number;
  code?: number;
  delayMs?: number;
  channel?: string;
}

/** What the faults do to one reply. */
export interface ReplyFaults {
  silent: boolean;
  exception?: number;
  corrupt: boolean;
  delayMs: number;
  /** Channels to serve as unavailable ('*' = all). */
  unavailable: Set<string>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class FaultBook {
  private active: Active[] = [];
  /** Dead units and when they come back (monotonic ms; Infinity = until revived). */
  private readonly dead = new Map<number, number>();

  /** Registers a per-reply fault; returns false for the ones the simulator handles itself. */
  add(fault: Fault, now: number): boolean {
    const unit = num(fault.unit);
    switch (fault.type) {
      case 'clear':
        this.active = [];
        this.dead.clear();
        return true;
      case 'dead':
        if (unit === undefined) throw new Error('a dead fault needs a unit');
        this.dead.set(unit, num(fault.forMs) !== undefined ? now + num(fault.forMs)! : Infinity);
        return true;
      case 'revive':
        if (unit === undefined) this.dead.clear();
        else this.dead.delete(unit);
        return true;
      case 'timeout':
      case 'crc':
      case 'unavailable':
      case 'slow':
      case 'exception': {
        const code = num(fault.code);
        if (fault.type === 'exception' && (code === undefined || code < 1 || code > 255)) throw new Error('an exception fault needs a code');
        this.active.push({
          type: fault.type,
          ...(unit !== undefined ? { unit } : {}),
          ...(num(fault.count) !== undefined ? { remaining: num(fault.count) } : {}),
          ...(code !== undefined ? { code } : {}),
          delayMs: num(fault.delayMs) ?? 500,
          ...(typeof fault.channel === 'string' ? { channel: fault.channel } : {}),
        });
        return true;
      }
      default:
        return false;
    }
  }

  isDead(unit: number, now: number): boolean {
    const until = this.dead.get(unit);
    if (until === undefined) return false;
    if (now < until) return true;
    this.dead.delete(unit);
    return false;
  }

  /** The faults that apply to the next reply of `unit`, each consuming one of its count. */
  take(unit: number, now: number): ReplyFaults {
    const out: ReplyFaults = { silent: this.isDead(unit, now), corrupt: false, delayMs: 0, unavailable: new Set() };
    if (out.silent) return out;
    for (const f of this.active) {
      if (f.unit !== undefined && f.unit !== unit) continue;
      if (f.type === 'timeout') out.silent = true;
      else if (f.type === 'exception') out.exception ??= f.code;
      else if (f.type === 'crc') out.corrupt = true;
      else if (f.type === 'slow') out.delayMs = Math.max(out.delayMs, f.delayMs ?? 0);
      else out.unavailable.add(f.channel ?? '*');
      if (f.remaining !== undefined) f.remaining--;
    }
    this.active = this.active.filter((f) => f.remaining === undefined || f.remaining > 0);
    return out;
  }
}
