/**
 * Parsing of the 3458A's replies (its own command language, not SCPI): readings, ID?, ERRSTR?.
 * Pure functions; every parser returns a result instead of throwing.
 */
import type { DeviceIdentity } from '../../src/kit.js';
import type { ParsedReply } from '../shared/line-instrument.js';
import { parseNumberReply } from '../shared/numbers.js';

/** With OFORMAT ASCII the 3458A sends `SD.DDDDDDDDDE+DD` (a space or '-' for the sign); an
 *  overload (OVLD on its display) is sent as ±1.0E+38. */
export const HP3458_OVERLOAD = 1e38;

/** Parses one reading (or TEMP?) reply. */
export function parseHp3458Number(text: string): ParsedReply {
  return parseNumberReply(text, { overload: HP3458_OVERLOAD });
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
