/**
 * The faults the fluke-1594a simulator reproduces (see README.md). A fault with a `count` affects
 * that many replies; without one it lasts until `{ type: 'clear' }`. Faults are validated, so a
 * misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import { Budget, BudgetSet, clearFault, disconnectFault, errorQueueFault, faultCount as count, idnIdentityOverride, parseFault as parseWith, type IdnIdentityOverride } from '../faults.js';
import type { Fault } from '../types.js';

export const fluke1594aFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries are executed but never answered'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('FETC? replies arrive corrupted'),
  z.object({ type: z.literal('stalled') }).strict().describe('no new measurement is acquired until clear'),
  z
    .object({ type: z.literal('wrong_identity'), count, identity: idnIdentityOverride.optional() })
    .strict()
    .describe('*IDN? answers another instrument (default: a 1595A, serial B99999)'),
  errorQueueFault([{ code: -222, message: 'Data out of range' }], 'pushes entries onto the error queue'),
  disconnectFault('drops every TCP client; the serial pty disappears and comes back after downMs'),
  clearFault('ends every fault above (the error queue keeps its entries)'),
]);
export type Fluke1594aFault = z.infer<typeof fluke1594aFault>;

export function parseFault(fault: Fault): Fluke1594aFault {
  return parseWith(fluke1594aFault, 'fluke-1594a', fault);
}

/** The reply-shaping faults currently armed. */
export class FaultState {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly wrongIdentity = new Budget();
  stalled = false;
  identityOverride: IdnIdentityOverride = {};
  private readonly budgets = new BudgetSet({ no_reply: this.noReply, garbled: this.garbled, wrong_identity: this.wrongIdentity });

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: Fluke1594aFault): boolean {
    if (fault.type === 'stalled') {
      this.stalled = true;
      return true;
    }
    if (fault.type === 'clear') this.stalled = false;
    else if (fault.type === 'wrong_identity') this.identityOverride = fault.identity ?? { model: '1595A', serial: 'B99999' };
    return this.budgets.arm(fault);
  }
}
