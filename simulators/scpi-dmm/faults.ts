/**
 * The faults the scpi-dmm simulator reproduces (see README.md). A fault with a `count` affects
 * that many replies; without one it lasts until `{ type: 'clear' }`. Faults are validated, so a
 * misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import type { Fault } from '../types.js';

const count = z.number().int().positive().optional();

export const scpiDmmFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries are executed but never answered'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('measurement replies arrive corrupted'),
  z.object({ type: z.literal('overrange'), count }).strict().describe('measurements answer +9.90000000E+37'),
  z
    .object({ type: z.literal('slow'), delayMs: z.number().nonnegative(), count })
    .strict()
    .describe('every reply is delayed by delayMs on top of responseDelayMs'),
  z
    .object({
      type: z.literal('wrong_identity'),
      count,
      identity: z
        .object({ manufacturer: z.string(), model: z.string(), serial: z.string(), firmware: z.string() })
        .partial()
        .strict()
        .optional(),
    })
    .strict()
    .describe('*IDN? answers another instrument (default: same model, serial MY99999999)'),
  z
    .object({
      type: z.literal('error_queue'),
      entries: z
        .array(z.object({ code: z.number().int(), message: z.string() }).strict())
        .default([{ code: -222, message: 'Data out of range' }]),
    })
    .strict()
    .describe('pushes entries onto the error queue (it holds 20; overflow replaces the last with -350)'),
  z
    .object({ type: z.literal('disconnect'), downMs: z.number().nonnegative().default(200) })
    .strict()
    .describe('drops every TCP client; the serial pty disappears and comes back after downMs'),
  z.object({ type: z.literal('clear') }).strict().describe('ends every fault above (the error queue keeps its entries)'),
]);
export type ScpiDmmFault = z.infer<typeof scpiDmmFault>;

export function parseFault(fault: Fault): ScpiDmmFault {
  const parsed = scpiDmmFault.safeParse(fault);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; ');
    throw new Error(`scpi-dmm: invalid fault ${JSON.stringify(fault)}: ${detail}`);
  }
  return parsed.data;
}

/** A fault's remaining reach: a number of replies, or Infinity until cleared. */
class Budget {
  private remaining = 0;
  arm(count: number | undefined): void {
    this.remaining = count ?? Infinity;
  }
  /** True (and one less remaining) when the fault applies to this reply. */
  take(): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    return true;
  }
  clear(): void {
    this.remaining = 0;
  }
}

/** The reply-shaping faults currently armed; queue and connection faults act at once instead. */
export class FaultState {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly overrange = new Budget();
  readonly slow = new Budget();
  readonly wrongIdentity = new Budget();
  slowDelayMs = 0;
  identityOverride: Partial<Record<'manufacturer' | 'model' | 'serial' | 'firmware', string>> = {};

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: ScpiDmmFault): boolean {
    switch (fault.type) {
      case 'no_reply':
        this.noReply.arm(fault.count);
        return true;
      case 'garbled':
        this.garbled.arm(fault.count);
        return true;
      case 'overrange':
        this.overrange.arm(fault.count);
        return true;
      case 'slow':
        this.slowDelayMs = fault.delayMs;
        this.slow.arm(fault.count);
        return true;
      case 'wrong_identity':
        this.identityOverride = fault.identity ?? { serial: 'MY99999999' };
        this.wrongIdentity.arm(fault.count);
        return true;
      case 'clear':
        for (const b of [this.noReply, this.garbled, this.overrange, this.slow, this.wrongIdentity]) b.clear();
        return true;
      default:
        return false;
    }
  }
}
