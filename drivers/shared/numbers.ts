/**
 * Numbers in replies: the one pattern (NR1 `+10`, NR2 `10.5`/`.5`/`10.`, NR3 `+1.00000234E+01`)
 * every line instrument here uses, and the reserved values instruments send instead of a number.
 */
import type { ParsedReply } from './line-instrument.js';
import { printable } from './printable.js';

export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface ReservedValues {
  /** A magnitude at or above this is an overload (SCPI 9.9E37, 3458A 1E38). */
  overload?: number;
  /** This magnitude means "no value" (SCPI not-a-number, 9.91E37). */
  nan?: number;
}

const near = (a: number, b: number) => Math.abs(a - b) <= b * 1e-6;

/** Parses a reply that is one number and nothing else (blanks around it allowed). */
export function parseNumberReply(text: string, reserved: ReservedValues = {}): ParsedReply {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { kind: 'invalid', reason: 'empty reply' };
  if (!NUMBER.test(trimmed)) return { kind: 'invalid', reason: `not a number: "${printable(trimmed)}"` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { kind: 'invalid', reason: `out of the double range: "${trimmed}"` };
  const magnitude = Math.abs(value);
  if (reserved.nan !== undefined && near(magnitude, reserved.nan)) return { kind: 'nan' };
  if (reserved.overload !== undefined && magnitude >= reserved.overload * (1 - 1e-6)) return { kind: 'overrange', value };
  return { kind: 'number', value };
}
