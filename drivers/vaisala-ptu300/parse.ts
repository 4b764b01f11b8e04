import type { QualityFlag, RawReading } from '../../src/kit.js';
import { DEFAULT_FIELDS, type FieldSpec, type Ptu300Config } from './config.js';
import { convert } from './units.js';

/** How to read one output line: the label table, the labels every line must hold, an optional regex. */
export interface LineFormat {
  fields: Readonly<Record<string, FieldSpec>>;
  expect: readonly string[];
  /** For a FORM without labels: named groups are labels, values are in the fields' units. */
  pattern?: RegExp;
}

export type ParseResult = { ok: true; readings: RawReading[] } | { ok: false; reason: string };

export function lineFormat(cfg: Pick<Ptu300Config, 'fields' | 'expect' | 'pattern'>): LineFormat {
  return {
    fields: { ...DEFAULT_FIELDS, ...cfg.fields },
    expect: cfg.expect,
    ...(cfg.pattern !== undefined ? { pattern: new RegExp(cfg.pattern) } : {}),
  };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The device writes stars of the field's width when it has no value (a failed sensor): ***.* */
const STARS = /^[+-]?\*+(?:\.\*+)?$/;
/** Printable ASCII (the device's character set) plus tab and a degree sign. */
const PRINTABLE = /^[\x20-\x7e\t\xb0]*$/;
/** One `LABEL= VALUE [UNIT]` group. The unit holds no '=' (so the next label is never taken for
 *  one) and at least one letter, '%', "'" or '°' (so a stray number is never taken for one). */
const FIELD = /\s*([A-Za-z][A-Za-z0-9]*)=\s*(\S+)(?:\s+([^\s=]*[A-Za-z%'\xb0][^\s=]*)(?=\s|$))?/y;

/**
 * Parses one output line. Never throws: a torn line (a label missing, text left over), a garbled
 * value ('4#.0'), binary junk or a unit that cannot be converted give { ok: false, reason }.
 * A value of stars gives a reading with value null flagged `unavailable`. Labels not in the
 * table are ignored. Readings come without `time`; the caller stamps them.
 */
export function parseLine(line: string, format: LineFormat): ParseResult {
  if (!PRINTABLE.test(line)) return fail('non-printable characters');
  // A device with echo on may prefix its output with the '>' prompt.
  const text = line.replace(/^[>\s]+/, '').trimEnd();
  if (text.length === 0) return fail('empty line');

  const found: { label: string; value: string; unit?: string }[] = [];
  if (format.pattern) {
    const m = format.pattern.exec(text);
    if (!m) return fail('the line does not match the configured pattern');
    for (const [label, value] of Object.entries(m.groups ?? {})) if (value !== undefined) found.push({ label, value });
  } else {
    let pos = 0;
    while (pos < text.length) {
      FIELD.lastIndex = pos;
      const m = FIELD.exec(text);
      if (!m) return fail(`unexpected text at column ${pos + 1}`);
      found.push({ label: m[1]!, value: m[2]!, ...(m[3] !== undefined ? { unit: m[3] } : {}) });
      pos = FIELD.lastIndex;
    }
  }

  const readings: RawReading[] = [];
  const seen = new Set<string>();
  for (const f of found) {
    if (seen.has(f.label)) return fail(`${f.label} appears twice`);
    seen.add(f.label);
    const spec = format.fields[f.label];
    if (!spec) continue;
    const base = { channel: spec.channel, quantity: spec.quantity, unit: spec.unit, ...(spec.u !== undefined ? { u: spec.u } : {}) };
    if (STARS.test(f.value)) {
      readings.push({ ...base, value: null, flags: ['unavailable'] });
      continue;
    }
    if (!NUMBER.test(f.value)) return fail(`garbled value "${f.value}" for ${f.label}`);
    const value = f.unit === undefined ? Number(f.value) : convert(Number(f.value), f.unit, spec.unit);
    if (value === undefined) return fail(`${f.label} is in "${f.unit}", which does not convert to ${spec.unit}`);
    readings.push({ ...base, value });
  }
  const missing = format.expect.filter((l) => !seen.has(l));
  if (missing.length > 0) return fail(`missing ${missing.join(', ')} (a torn line, or set options.expect to what FORM outputs)`);
  return { ok: true, readings };
}

/** The readings a cycle yields when its line was unusable: one per expected label, value null. */
export function failedReadings(format: LineFormat, flag: QualityFlag, time: number): RawReading[] {
  return format.expect.map((label) => {
    const spec = format.fields[label]!;
    return { channel: spec.channel, quantity: spec.quantity, unit: spec.unit, value: null, flags: [flag], time };
  });
}

function fail(reason: string): ParseResult {
  return { ok: false, reason };
}
