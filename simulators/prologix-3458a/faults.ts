/**
 * The faults the prologix-3458a simulator reproduces (see README.md). A fault with a `count`
 * affects that many replies; without one it lasts until `{ type: 'clear' }`. Faults are
 * validated, so a misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import { Budget, BudgetSet, clearFault, disconnectFault, errorQueueFault, faultCount as count, parseFault as parseWith } from '../faults.js';
import type { Fault } from '../types.js';

export const prologix3458aFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries run but their output is lost: ++read gets nothing'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('readings (TRIG SGL) arrive corrupted'),
  z.object({ type: z.literal('overrange'), count }).strict().describe('readings answer +1.000000000E+38 (OVLD)'),
  z
    .object({ type: z.literal('wrong_identity'), count, identity: z.string().min(1).default('HP3457A') })
    .strict()
    .describe('ID? answers another instrument'),
  errorQueueFault([{ code: 102, message: 'TRIGGER TOO FAST' }], 'adds entries that ERRSTR? reports, oldest first', z.number().int().positive()),
  disconnectFault('drops the TCP client and refuses connections for downMs (the adapter rebooting)'),
  clearFault('ends every fault above (queued errors stay)'),
]);
export type Prologix3458aFault = z.infer<typeof prologix3458aFault>;

export function parseFault(fault: Fault): Prologix3458aFault {
  return parseWith(prologix3458aFault, 'prologix-3458a', fault);
}

/** The reply-shaping faults currently armed. */
export class FaultState {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly overrange = new Budget();
  readonly wrongIdentity = new Budget();
  identityOverride = 'HP3457A';
  private readonly budgets = new BudgetSet({
    no_reply: this.noReply,
    garbled: this.garbled,
    overrange: this.overrange,
    wrong_identity: this.wrongIdentity,
  });

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: Prologix3458aFault): boolean {
    if (fault.type === 'wrong_identity') this.identityOverride = fault.identity;
    return this.budgets.arm(fault);
  }
}
