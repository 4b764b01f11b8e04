/**
 * The faults the scpi-dmm simulator reproduces (see README.md). A fault with a `count` affects
 * that many replies; without one it lasts until `{ type: 'clear' }`. Faults are validated, so a
 * misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import { Budget, BudgetSet, clearFault, disconnectFault, errorQueueFault, faultCount as count, idnIdentityOverride, parseFault as parseWith, type IdnIdentityOverride } from '../faults.js';
import type { Fault } from '../types.js';

export const scpiDmmFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries are executed but never answered'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('measurement replies arrive corrupted'),
  z.object({ type: z.literal('overrange'), count }).strict().describe('measurements answer +9.90000000E+37'),
  z
    .object({ type: z.literal('slow'), delayMs: z.number().nonnegative(), count })
    .strict()
    .describe('every reply is delayed by delayMs on top of responseDelayMs'),
  z
    .object({ type: z.literal('wrong_identity'), count, identity: idnIdentityOverride.optional() })
    .strict()
    .describe('*IDN? answers another instrument (default: same model, serial MY99999999)'),
  errorQueueFault(
    [{ code: -222, message: 'Data out of range' }],
    'pushes entries onto the error queue (it holds 20; overflow replaces the last with -350)',
  ),
  disconnectFault('drops every TCP client; the serial pty disappears and comes back after downMs'),
  clearFault('ends every fault above (the error queue keeps its entries)'),
]);
export type ScpiDmmFault = z.infer<typeof scpiDmmFault>;

export function parseFault(fault: Fault): ScpiDmmFault {
  return parseWith(scpiDmmFault, 'scpi-dmm', fault);
}

/** The reply-shaping faults currently armed; queue and connection faults act at once instead. */
export class FaultState {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly overrange = new Budget();
  readonly slow = new Budget();
  readonly wrongIdentity = new Budget();
  slowDelayMs = 0;
  identityOverride: IdnIdentityOverride = {};
  private readonly budgets = new BudgetSet({
    no_reply: this.noReply,
    garbled: this.garbled,
    overrange: this.overrange,
    slow: this.slow,
    wrong_identity: this.wrongIdentity,
  });

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: ScpiDmmFault): boolean {
    if (fault.type === 'slow') this.slowDelayMs = fault.delayMs;
    else if (fault.type === 'wrong_identity') this.identityOverride = fault.identity ?? { serial: 'MY99999999' };
    return this.budgets.arm(fault);
  }
}
