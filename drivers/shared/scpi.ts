/**
 * What every SCPI (IEEE 488.2) instrument answers the same way: *IDN?, SYST:ERR? and numbers
 * (NR1/NR2/NR3, with the reserved values for overload and not-a-number), as the pieces a line
 * instrument definition is made of (line-instrument.ts).
 */
import type { DeviceIdentity } from '../../src/kit.js';
import type { ParsedReply } from './line-instrument.js';
import { parseNumberReply } from './numbers.js';

/**
 * Parses an *IDN? reply, `manufacturer,model,serial,firmware` (IEEE 488.2 §10.14). Fields are
 * trimmed; a missing firmware field is tolerated, and commas beyond the fourth field stay part of
 * the firmware. Returns null when fewer than three non-empty fields are present.
 */
export function parseIdn(text: string): DeviceIdentity | null {
  const fields = text.trim().split(',');
  if (fields.length < 3) return null;
  const [manufacturer, model, serial, ...rest] = fields.map((f) => f.trim()) as [string, string, string, ...string[]];
  if (!manufacturer || !model || !serial) return null;
  if (!isPrintable(text)) return null;
  const firmware = rest.join(',').trim();
  return { manufacturer, model, serial, ...(firmware ? { firmware } : {}) };
}

/** One error queue entry. Code 0 means the queue is empty. */
export interface ScpiError {
  code: number;
  message: string;
}

const SYST_ERR = /^([+-]?\d+)\s*,\s*(?:"((?:[^"]|"")*)"|(.*))$/;

/**
 * Parses a SYST:ERR? reply: `-113,"Undefined header"` or `+0,"No error"`. An unquoted message
 * (some instruments and adapters) is accepted; doubled quotes inside a string unescape to one.
 * Returns null for anything else.
 */
export function parseSystErr(text: string): ScpiError | null {
  const m = SYST_ERR.exec(text.trim());
  if (!m) return null;
  const code = Number(m[1]);
  if (!Number.isSafeInteger(code)) return null;
  const message = m[2] !== undefined ? m[2].replace(/""/g, '"') : (m[3] ?? '').trim();
  return { code, message };
}

function isPrintable(text: string): boolean {
  return /^[\x20-\x7e\t]*$/.test(text);
}

/** The identity query of every IEEE 488.2 instrument. */
export const scpiIdentity = { query: '*IDN?', parse: (reply: string) => parseIdn(reply) };

/** The SCPI error queue: SYST:ERR? until `+0,"No error"`, each entry reported as SCPI_<code>. */
export const scpiErrors = { query: 'SYST:ERR?', parse: parseSystErr, codePrefix: 'SCPI_', limit: 20 };

/** SCPI's reserved numbers: ±9.9E37 is ±infinity (a DMM's overload), 9.91E37 not-a-number. */
export const SCPI_INFINITY = 9.9e37;
export const SCPI_NAN = 9.91e37;

/** Parses one SCPI number reply. */
export function parseScpiNumber(text: string): ParsedReply {
  return parseNumberReply(text, { overload: SCPI_INFINITY, nan: SCPI_NAN });
}
