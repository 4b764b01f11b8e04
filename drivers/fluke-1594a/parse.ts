/**
 * Parsing of the Fluke 1594A/1595A Super-Thermometer's replies: FETC?, STAT:OPER?, SYST:ERR?,
 * *IDN?. Pure functions; every parser returns a result instead of throwing.
 */
import type { ParsedReply } from '../shared/line-instrument.js';
import { NUMBER } from '../shared/numbers.js';
import { printable } from '../shared/printable.js';

/** The unit letters the Super-Thermometer appends to values (manual §8.7: "O" is ohms). */
export const UNIT_LETTERS = {
  C: { unit: '°C', quantity: 'temperature' },
  F: { unit: '°F', quantity: 'temperature' },
  K: { unit: 'K', quantity: 'temperature' },
  O: { unit: 'Ω', quantity: 'resistance' },
  R: { unit: '1', quantity: 'resistance_ratio' },
} as const;
export type UnitLetter = keyof typeof UNIT_LETTERS;

export type FetchReply =
  | { kind: 'number'; value: number; unit?: UnitLetter }
  | { kind: 'invalid'; reason: string };


/**
 * Parses a FETC? reply: a bare number (`23.01234`) or a number and its unit letter
 * (`23.01234,C`, `25.501234,O`); further comma-separated fields (channel, date, time) are ignored.
 */
export function parseFetch(text: string): FetchReply {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { kind: 'invalid', reason: 'empty reply' };
  if (!/^[\x20-\x7e]+$/.test(trimmed)) return { kind: 'invalid', reason: `unprintable reply "${printable(trimmed)}"` };
  const [first = '', second] = trimmed.split(',').map((f) => f.trim());
  if (!NUMBER.test(first)) return { kind: 'invalid', reason: `not a number: "${printable(trimmed)}"` };
  const value = Number(first);
  if (!Number.isFinite(value)) return { kind: 'invalid', reason: `out of the double range: "${first}"` };
  if (second === undefined || second === '') return { kind: 'number', value };
  const letter = second.toUpperCase();
  if (!(letter in UNIT_LETTERS)) return { kind: 'invalid', reason: `unknown unit "${printable(second)}"` };
  return { kind: 'number', value, unit: letter as UnitLetter };
}

/** A FETC? reply as a reading: its unit letter, when it gives one, is the unit the reply states. */
export function fetchReading(text: string): ParsedReply {
  const parsed = parseFetch(text);
  if (parsed.kind === 'invalid') return parsed;
  return parsed.unit ? { kind: 'number', value: parsed.value, stated: UNIT_LETTERS[parsed.unit] } : { kind: 'number', value: parsed.value };
}

/** STAT:OPER? bit 4: a new measurement was acquired since the register was last read. */
export const NEW_MEASUREMENT_BIT = 16;

/** Parses STAT:OPER? (a decimal register value 0..65535); null for anything else. */
export function parseStatusRegister(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\+?\d{1,5}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value <= 65535 ? value : null;
}

export { parseIdn, parseSystErr, type ScpiError as ScpiErrorEntry } from '../shared/scpi.js';


/** STAT:OPER? says a new measurement exists (bit 4); null when the reply is no register value. */
export function isNewMeasurement(reply: string): boolean | null {
  const register = parseStatusRegister(reply);
  return register === null ? null : (register & NEW_MEASUREMENT_BIT) !== 0;
}
