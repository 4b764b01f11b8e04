/**
 * Parsing of the 3458A's replies (its own command language, not SCPI): readings, ID?, ERRSTR?.
 * Pure functions; every parser returns a result instead of throwing.
 */
import type { DeviceIdentity } from '../../src/core/types.js';
import { printable } from '../shared/printable.js';

export { printable };

/**
 * A parsed reading. With OFORMAT ASCII the 3458A sends `SD.DDDDDDDDDE+DD` (a space or '-' for the
 * sign); an overload (OVLD on its display) is sent as ±1.0E+38.
 */
export type Hp3458Number =
  | { kind: 'number'; value: number }
  | { kind: 'overrange'; value: number }
  | { kind: 'invalid'; reason: string };

export const HP3458_OVERLOAD = 1e38;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one number reply. Surrounding blanks are allowed; anything else makes it invalid. */
export function parseHp3458Number(text: string): Hp3458Number {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { kind: 'invalid', reason: 'empty reply' };
  if (!NUMBER.test(trimmed)) return { kind: 'invalid', reason: `not a number: "${printable(trimmed)}"` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { kind: 'invalid', reason: `out of the double range: "${trimmed}"` };
  if (Math.abs(value) >= HP3458_OVERLOAD * (1 - 1e-6)) return { kind: 'overrange', value };
  return { kind: 'number', value };
}

/**
 * Parses the ID? reply (`HP3458A`; later units may answer with another maker prefix). The 3458A
 * has no serial number query, so `serial` comes from the configuration. Returns null for an empty
 * or unprintable reply; a printable reply that is not `<letters><model>` becomes the model as is,
 * so that acquisition reports the mismatch instead of a parse failure.
 */
export function parseHp3458Id(text: string, serial: string): DeviceIdentity | null {
  const trimmed = text.trim();
  if (trimmed.length === 0 || !/^[\x20-\x7e]+$/.test(trimmed)) return null;
  const m = /^([A-Za-z]+?)\s*(\d{4,5}[A-Za-z]?)$/.exec(trimmed);
  if (m) return { manufacturer: m[1]!.toUpperCase(), model: m[2]!.toUpperCase(), serial };
  return { manufacturer: '', model: trimmed, serial };
}

export interface Hp3458Error {
  code: number;
  message: string;
}

/** Parses an ERRSTR? reply, `0,"NO ERROR"` or `102,"TRIGGER TOO FAST"`; null for anything else. */
export function parseErrstr(text: string): Hp3458Error | null {
  const m = /^([+-]?\d+)\s*,\s*"([^"]*)"$/.exec(text.trim());
  if (!m) return null;
  const code = Number(m[1]);
  if (!Number.isSafeInteger(code)) return null;
  return { code, message: m[2]! };
}
