/**
 * The faults the prologix-3458a simulator reproduces (see README.md). A fault with a `count`
 * affects that many replies; without one it lasts until `{ type: 'clear' }`. Faults are
 * validated, so a misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import type { Fault } from '../types.js';

const count = z.number().int().positive().optional();

export const prologix3458aFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries run but their output is lost: ++read gets nothing'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('readings (TRIG SGL) arrive corrupted'),
  z.object({ type: z.literal('overrange'), count }).strict().describe('readings answer +1.000000000E+38 (OVLD)'),
  z
    .object({ type: z.literal('wrong_identity'), count, identity: z.string().min(1).default('HP3457A') })
    .strict()
    .describe('ID? answers another instrument'),
  z
    .object({
      type: z.literal('error_queue'),
      entries: z
        .array(z.object({ code: z.number().int().positive(), message: z.string() }).strict())
        .default([{ code: 102, message: 'TRIGGER TOO FAST' }]),
    })
    .strict()
    .describe('adds entries that ERRSTR? reports, oldest first'),
  z
    .object({ type: z.literal('disconnect'), downMs: z.number().nonnegative().default(200) })
    .strict()
    .describe('drops the TCP client and refuses connections for downMs (the adapter rebooting)'),
  z.object({ type: z.literal('clear') }).strict().describe('ends every fault above (queued errors stay)'),
]);
export type Prologix3458aFault = z.infer<typeof prologix3458aFault>;

export function parseFault(fault: Fault): Prologix3458aFault {
  const parsed = prologix3458aFault.safeParse(fault);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; ');
    throw new Error(`prologix-3458a: invalid fault ${JSON.stringify(fault)}: ${detail}`);
  }
  return parsed.data;
}

/** A fault's remaining reach: a number of replies, or Infinity until cleared. */
export class Budget {
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

/** The reply-shaping faults currently armed. */
export class FaultState {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly overrange = new Budget();
  readonly wrongIdentity = new Budget();
  identityOverride = 'HP3457A';

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: Prologix3458aFault): boolean {
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
      case 'wrong_identity':
        this.identityOverride = fault.identity;
        this.wrongIdentity.arm(fault.count);
        return true;
      case 'clear':
        for (const b of [this.noReply, this.garbled, this.overrange, this.wrongIdentity]) b.clear();
        return true;
      default:
        return false;
    }
  }
}
