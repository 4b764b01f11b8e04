/**
 * The faults the fluke-1594a simulator reproduces (see README.md). A fault with a `count` affects
 * that many replies; without one it lasts until `{ type: 'clear' }`. Faults are validated, so a
 * misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import type { Fault } from '../types.js';

const count = z.number().int().positive().optional();

export const fluke1594aFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries are executed but never answered'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('FETC? replies arrive corrupted'),
  z.object({ type: z.literal('stalled') }).strict().describe('no new measurement is acquired until clear'),
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
    .describe('*IDN? answers another instrument (default: a 1595A, serial B99999)'),
  z
    .object({
      type: z.literal('error_queue'),
      entries: z
        .array(z.object({ code: z.number().int(), message: z.string() }).strict())
        .default([{ code: -222, message: 'Data out of range' }]),
    })
    .strict()
    .describe('pushes entries onto the error queue'),
  z
    .object({ type: z.literal('disconnect'), downMs: z.number().nonnegative().default(200) })
    .strict()
    .describe('drops every TCP client; the serial pty disappears and comes back after downMs'),
  z.object({ type: z.literal('clear') }).strict().describe('ends every fault above (the error queue keeps its entries)'),
]);
export type Fluke1594aFault = z.infer<typeof fluke1594aFault>;

export function parseFault(fault: Fault): Fluke1594aFault {
  const parsed = fluke1594aFault.safeParse(fault);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; ');
    throw new Error(`fluke-1594a: invalid fault ${JSON.stringify(fault)}: ${detail}`);
  }
  return parsed.data;
}

/** A fault's remaining reach: a number of replies, or Infinity until cleared. */
class Budget {
  private remaining = 0;
  arm(count: number | undefined): void {
    this.remaining = count ?? Infinity;
  }
  take(): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    return true;
  }
  clear(): void {
    this.remaining = 0;
  }
}

export type IdentityOverride = Partial<Record<'manufacturer' | 'model' | 'serial' | 'firmware', string>>;

/** The reply-shaping faults currently armed. */
export class FaultState {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly wrongIdentity = new Budget();
  stalled = false;
  identityOverride: IdentityOverride = {};

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: Fluke1594aFault): boolean {
    switch (fault.type) {
      case 'no_reply':
        this.noReply.arm(fault.count);
        return true;
      case 'garbled':
        this.garbled.arm(fault.count);
        return true;
      case 'stalled':
        this.stalled = true;
        return true;
      case 'wrong_identity':
        this.identityOverride = fault.identity ?? { model: '1595A', serial: 'B99999' };
        this.wrongIdentity.arm(fault.count);
        return true;
      case 'clear':
        for (const b of [this.noReply, this.garbled, this.wrongIdentity]) b.clear();
        this.stalled = false;
        return true;
      default:
        return false;
    }
  }
}
