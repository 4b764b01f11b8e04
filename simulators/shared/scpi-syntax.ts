/**
 * The SCPI syntax the simulator understands: messages split into commands at `;`, headers matched
 * case-insensitively in short or long form (`VOLT` or `VOLTAGE`, never `VOLTA`), optional nodes in
 * brackets, and numeric parameters with the MIN / MAX / DEF / AUTO keywords.
 */

/**
 * Compiles a header pattern written as SCPI manuals write it, e.g.
 * `[SENSe:]VOLTage[:DC]:NPLCycles?`: upper-case letters are the short form, the whole word is the
 * long form, `[...]` is optional, `_` is literal (`TRG_SRCE`) and `#` a numeric suffix whose
 * digits the regex captures (`CALCulate#:TYPE` matches `CALC2:TYPE`). The regex matches an
 * upper-cased header without a leading colon.
 */
export function compileHeader(pattern: string): RegExp {
  let source = '';
  for (const token of pattern.match(/\[|\]|[A-Za-z]+|\d+|[:*?_#]/g) ?? []) {
    if (token === '[') source += '(?:';
    else if (token === '#') source += '(\\d*)';
    else if (token === '_') source += '_';
    else if (token === ']') source += ')?';
    else if (token === '*' || token === '?') source += `\\${token}`;
    else if (token === ':' || /^\d+$/.test(token)) source += token;
    else {
      const short = token.replace(/[a-z]+$/, '');
      const rest = token.slice(short.length).toUpperCase();
      source += rest ? `${short}(?:${rest})?` : short;
    }
  }
  return new RegExp(`^${source}$`);
}

/** One command of a message: its normalised header and its raw parameter text. */
export interface ParsedCommand {
  header: string;
  args: string;
}

/** Splits a program message at `;` (outside quotes) into commands; empty parts are dropped. */
export function splitMessage(line: string): ParsedCommand[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ';') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => {
      const m = /^(\S+)\s*(.*)$/.exec(p)!;
      return { header: m[1]!.toUpperCase().replace(/^:/, ''), args: m[2]!.trim() };
    });
}

/** The SCPI errors a command handler can raise; the instrument queues them. */
export class ScpiCommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const missingParameter = () => new ScpiCommandError(-109, 'Missing parameter');
export const dataOutOfRange = () => new ScpiCommandError(-222, 'Data out of range');
export const illegalValue = () => new ScpiCommandError(-224, 'Illegal parameter value');
export const dataTypeError = () => new ScpiCommandError(-104, 'Data type error');

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?$/i;

/**
 * Parses a numeric parameter. MIN and MAX map to the limits, DEF to `def`, AUTO (where allowed)
 * to 'auto'; a number outside [min, max] raises -222, a non-number -104.
 */
export function numericParameter(
  text: string | undefined,
  limits: { min: number; max: number; def: number | 'auto'; auto?: boolean },
): number | 'auto' {
  const arg = (text ?? '').trim().toUpperCase();
  if (arg === '') throw missingParameter();
  if (arg === 'MIN' || arg === 'MINIMUM') return limits.min;
  if (arg === 'MAX' || arg === 'MAXIMUM') return limits.max;
  if (arg === 'DEF' || arg === 'DEFAULT') return limits.def;
  if (arg === 'AUTO' && limits.auto) return 'auto';
  if (!NUMBER.test(arg)) throw dataTypeError();
  const value = Number(arg);
  if (value < limits.min || value > limits.max) throw dataOutOfRange();
  return value;
}

/** Parses a boolean parameter: ON/OFF/1/0. */
export function booleanParameter(text: string | undefined): boolean {
  const arg = (text ?? '').trim().toUpperCase();
  if (arg === 'ON' || arg === '1') return true;
  if (arg === 'OFF' || arg === '0') return false;
  if (arg === '') throw missingParameter();
  throw illegalValue();
}

/** The first parameter of a comma-separated list (e.g. `10,0.001` → `10`), or undefined. */
export function firstParameter(args: string): string | undefined {
  const first = args.split(',')[0]?.trim();
  return first ? first : undefined;
}

/** A string parameter without its quotes: `'VOLT:DC'` or `"FRES"` → `VOLT:DC`, `FRES`. */
export function stringParameter(args: string): string {
  const m = /^(['"])(.*)\1$/.exec(args.trim());
  if (!m) throw args.trim() === '' ? missingParameter() : dataTypeError();
  return m[2]!.trim().toUpperCase();
}
