/**
 * The faults every simulated line instrument reproduces (see simulators/README.md). A fault with
 * a `count` affects that many replies; without one it lasts until `{ type: 'clear' }`. Faults are
 * validated, so a misspelt fault fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import { Budget, BudgetSet, clearFault, disconnectFault, errorQueueFault, faultCount as count, idnIdentityOverride, type IdnIdentityOverride } from '../faults.js';

export const lineFault = z.discriminatedUnion('type', [
  z.object({ type: z.literal('no_reply'), count }).strict().describe('queries are executed but never answered'),
  z.object({ type: z.literal('garbled'), count }).strict().describe('readings arrive corrupted'),
  z.object({ type: z.literal('overrange'), count }).strict().describe('readings answer the instrument\'s overload value'),
  z
    .object({ type: z.literal('slow'), delayMs: z.number().nonnegative(), count })
    .strict()
    .describe('every reply is delayed by delayMs on top of responseDelayMs'),
  z
    .object({ type: z.literal('wrong_identity'), count, identity: idnIdentityOverride.optional() })
    .strict()
    .describe('*IDN? answers another instrument (default: serial 99999999)'),
  errorQueueFault([{ code: -222, message: 'Data out of range' }], 'pushes entries onto the error queue (and their *ESR? bits)'),
  disconnectFault('drops every client; a serial pty disappears and comes back, a GPIB adapter refuses connections, for downMs'),
  clearFault('ends every fault above (the error queue keeps its entries)'),
]);
export type LineFault = z.infer<typeof lineFault>;

/** The reply-shaping faults currently armed; queue and connection faults act at once instead. */
export class LineFaults {
  readonly noReply = new Budget();
  readonly garbled = new Budget();
  readonly overrange = new Budget();
  readonly slow = new Budget();
  readonly wrongIdentity = new Budget();
  slowDelayMs = 0;
  identityOverride: IdnIdentityOverride = {};

  /** `wrongIdentity`: what `wrong_identity` answers without its own `identity`. */
  constructor(private readonly wrongIdentityDefault: IdnIdentityOverride = { serial: '99999999' }) {}

  private readonly budgets = new BudgetSet({
    no_reply: this.noReply,
    garbled: this.garbled,
    overrange: this.overrange,
    slow: this.slow,
    wrong_identity: this.wrongIdentity,
  });

  /** Arms a reply-shaping fault; returns false for the faults this state does not hold. */
  arm(fault: LineFault): boolean {
    if (fault.type === 'slow') this.slowDelayMs = fault.delayMs;
    else if (fault.type === 'wrong_identity') this.identityOverride = fault.identity ?? this.wrongIdentityDefault;
    return this.budgets.arm(fault);
  }
}
