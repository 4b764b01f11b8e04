/**
 * Fault bookkeeping shared by the line-protocol simulators (shared/line-faults.ts, prologix-3458a, fluke-1594a):
 * the zod pieces their fault schemas have in common, the validation wrapper that makes a misspelt
 * fault fail loudly, and the Budget that tracks how many replies an armed fault still affects.
 * Each simulator keeps its own fault schema and FaultState (which faults exist and what they do).
 */
import { z } from 'zod';
import type { Fault } from './types.js';

/** How many replies a fault affects; omitted = until `{ type: 'clear' }`. */
export const faultCount = z.number().int().positive().optional();

/** The *IDN? fields a `wrong_identity` fault may override (the rest keep their configured values). */
export const idnIdentityOverride = z
  .object({ manufacturer: z.string(), model: z.string(), serial: z.string(), firmware: z.string() })
  .partial()
  .strict();
export type IdnIdentityOverride = z.infer<typeof idnIdentityOverride>;

/** `{ type: 'error_queue', entries }`: pushes entries (default `defaults`) onto the instrument's error queue. */
export function errorQueueFault(defaults: { code: number; message: string }[], description: string, code = z.number().int()) {
  return z
    .object({
      type: z.literal('error_queue'),
      entries: z.array(z.object({ code, message: z.string() }).strict()).default(defaults),
    })
    .strict()
    .describe(description);
}

/** `{ type: 'disconnect', downMs = 200 }`: drops the connection(s) for downMs. */
export function disconnectFault(description: string) {
  return z
    .object({ type: z.literal('disconnect'), downMs: z.number().nonnegative().default(200) })
    .strict()
    .describe(description);
}

/** `{ type: 'clear' }`: ends every reply-shaping fault. */
export function clearFault(description: string) {
  return z.object({ type: z.literal('clear') }).strict().describe(description);
}

/**
 * Validates `fault` against a simulator's fault schema; throws
 * `<kind>: invalid fault <json>: <path>: <message>; …` when it does not match.
 */
export function parseFault<S extends z.ZodType>(schema: S, kind: string, fault: Fault): z.output<S> {
  const parsed = schema.safeParse(fault);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; ');
    throw new Error(`${kind}: invalid fault ${JSON.stringify(fault)}: ${detail}`);
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

/**
 * The Budgets of a simulator's counted faults, by fault type. arm() arms the budget named by
 * `fault.type` with `fault.count` (true), ends them all on `{ type: 'clear' }` (true), and returns
 * false for any other type, which the caller then handles itself.
 */
export class BudgetSet {
  constructor(private readonly byType: Readonly<Record<string, Budget>>) {}

  arm(fault: { type: string; count?: number }): boolean {
    if (fault.type === 'clear') {
      for (const budget of Object.values(this.byType)) budget.clear();
      return true;
    }
    const budget = Object.hasOwn(this.byType, fault.type) ? this.byType[fault.type] : undefined;
    if (!budget) return false;
    budget.arm(fault.count);
    return true;
  }
}
