/**
 * Parsing of SCPI replies (IEEE 488.2 / SCPI-99): numbers, *IDN? and SYST:ERR?.
 * Pure functions, no I/O; every parser returns a result instead of throwing.
 */
import { printable } from '../shared/printable.js';

export { printable };

/**
 * A parsed numeric reply. SCPI encodes the states a number cannot express as reserved values:
 * ±9.9E37 is +/-infinity (a DMM's overload, "OVLD" on its display) and 9.91E37 is not-a-number.
 */
export type ScpiNumber =
  | { kind: 'number'; value: number }
  | { kind: 'overrange'; value: number }
  | { kind: 'nan' }
  | { kind: 'invalid'; reason: string };

/** NR1 (`+10`), NR2 (`+10.000`, `.5`, `10.`) and NR3 (`+1.00000234E+01`) forms, nothing else. */
const NRF = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export const SCPI_INFINITY = 9.9e37;
export const SCPI_NAN = 9.91e37;

/** Parses one SCPI number. Surrounding blanks are allowed; anything else makes it invalid. */
export function parseScpiNumber(text: string): ScpiNumber {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { kind: 'invalid', reason: 'empty reply' };
  if (!NRF.test(trimmed)) return { kind: 'invalid', reason: `not a SCPI number: "${printable(trimmed)}"` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { kind: 'invalid', reason: `out of the double range: "${trimmed}"` };
  const magnitude = Math.abs(value);
  if (near(magnitude, SCPI_NAN)) return { kind: 'nan' };
  if (near(magnitude, SCPI_INFINITY) || magnitude > SCPI_INFINITY) return { kind: 'overrange', value };
  return { kind: 'number', value };
}

export { parseIdn, parseSystErr, type ScpiError } from '../shared/scpi.js';


function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= b * 1e-6;
}
