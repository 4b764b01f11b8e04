/**
 * The checks the standards' schema cannot make on its own (run on the raw document with the rest
 * of src/config/cross-check.ts): unique ids, references to configured devices, and one owner per
 * measured channel (a reading of the standard belongs to exactly one standard).
 */
import type { ConfigIssue } from '../config/format.js';

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export function crossCheckStandards(standards: unknown, deviceIds: ReadonlySet<unknown>): ConfigIssue[] {
  if (!Array.isArray(standards)) return [];
  const issues: ConfigIssue[] = [];
  const ids = new Map<unknown, number>();
  const measured = new Map<string, number>();
  const device = (path: string, ref: unknown) => {
    if (isObject(ref) && typeof ref.device === 'string' && !deviceIds.has(ref.device)) {
      issues.push({ path: `${path}.device`, message: `unknown device "${ref.device}"` });
    }
  };
  standards.forEach((s, i) => {
    if (!isObject(s)) return;
    const at = `standards[${i}]`;
    if (typeof s.id === 'string') {
      const first = ids.get(s.id);
      if (first !== undefined) issues.push({ path: `${at}.id`, message: `duplicate id "${s.id}" (also standards[${first}])` });
      else ids.set(s.id, i);
    }
    device(`${at}.measurand`, s.measurand);
    device(`${at}.thermistor`, s.thermistor);
    if (isObject(s.environment)) for (const q of ['temperature', 'humidity', 'pressure']) device(`${at}.environment.${q}`, s.environment[q]);
    if (isObject(s.transport) && typeof s.transport.logger === 'string' && !deviceIds.has(s.transport.logger)) {
      issues.push({ path: `${at}.transport.logger`, message: `unknown device "${s.transport.logger}"` });
    }
    const m = s.measurand;
    if (isObject(m) && typeof m.device === 'string' && typeof m.channel === 'string') {
      const key = `${m.device}/${m.channel}`;
      const first = measured.get(key);
      if (first !== undefined) issues.push({ path: `${at}.measurand`, message: `${key} already measures standards[${first}]` });
      else measured.set(key, i);
    }
    if (isObject(s.corrections)) {
      const env = isObject(s.environment) ? s.environment : {};
      for (const q of ['temperature', 'humidity', 'pressure']) {
        if (s.corrections[q] !== undefined && env[q] === undefined) {
          issues.push({ path: `${at}.corrections.${q}`, message: `needs environment.${q} (the channel it is read from)` });
        }
      }
    }
    if (isObject(s.corrections) && s.corrections.thermistor !== undefined && s.thermistor === undefined) {
      issues.push({ path: `${at}.corrections.thermistor`, message: 'needs thermistor (the channel it is read from)' });
    }
  });
  return issues;
}
