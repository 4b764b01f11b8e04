/**
 * Turning readings and events into journal records, and records into table rows.
 *
 * Contract:
 * - `readingDraft` / `eventDraft` validate at append time, so a malformed reading is refused on its
 *   own (a TypeError for that one append) instead of failing the whole group commit later: every
 *   number must be finite (JSON and RFC 8785 have no NaN or Infinity; a missing value is `null`
 *   with a quality flag), times are UTC ms.
 * - A draft is a copy: the caller may reuse or mutate its Reading after `append` returns without
 *   changing what gets hashed.
 * - Optional fields that are absent stay absent (never `undefined` or `null`), so the record read
 *   back from the table is exactly the record that was hashed.
 */
import type { GatewayEvent, JournalRecord, Reading, ReadingAnnotations, RecordKind } from '../core/types.js';

/** A record before the journal numbers and chains it. */
export type Draft = Pick<JournalRecord, 'kind' | 'time' | 'reading' | 'event' | 'standard' | 'verdicts' | 'verified'>;

/** `annotations` is what the checks add (standard, verdicts, verified); a string is the standard. */
export function readingDraft(r: Reading, annotations?: string | ReadingAnnotations): Draft {
  const ann: ReadingAnnotations = typeof annotations === 'string' ? { standard: annotations } : (annotations ?? {});
  const standard = ann.standard;
  if (r === null || typeof r !== 'object') throw new TypeError('a reading is an object');
  for (const key of ['device', 'channel', 'quantity', 'unit'] as const) {
    if (typeof r[key] !== 'string') throw new TypeError(`reading.${key} must be a string`);
  }
  checkTime(r.time, 'reading.time');
  if (r.value !== null && !Number.isFinite(r.value)) {
    throw new TypeError(`reading ${r.device}/${r.channel}: value must be a finite number or null, got ${r.value}`);
  }
  if (r.u !== undefined && !Number.isFinite(r.u)) throw new TypeError(`reading ${r.device}/${r.channel}: u must be finite`);
  if (!Array.isArray(r.flags)) throw new TypeError('reading.flags must be an array');
  if (standard !== undefined && typeof standard !== 'string') throw new TypeError('standard must be a string');

  const reading: Reading = {
    device: r.device,
    channel: r.channel,
    quantity: r.quantity,
    value: r.value,
    unit: r.unit,
    time: r.time,
    flags: [...r.flags],
  };
  if (r.u !== undefined) reading.u = r.u;
  if (r.extra !== undefined) {
    for (const [k, v] of Object.entries(r.extra)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`reading.extra.${k} must be finite`);
    }
    reading.extra = { ...r.extra };
  }
  const draft: Draft = { kind: 'reading', time: r.time, reading };
  if (standard !== undefined) draft.standard = standard;
  if (ann.verdicts !== undefined) {
    if (!Array.isArray(ann.verdicts)) throw new TypeError('verdicts must be an array');
    draft.verdicts = ann.verdicts.map((v) => {
      if (typeof v.check !== 'string' || typeof v.result !== 'string') throw new TypeError('a verdict has a check and a result');
      if (v.value !== undefined && !Number.isFinite(v.value)) throw new TypeError(`verdict ${v.check}: value must be finite`);
      const copy: (typeof ann.verdicts)[number] = { check: v.check, result: v.result };
      if (v.value !== undefined) copy.value = v.value;
      if (v.detail !== undefined) copy.detail = v.detail;
      return copy;
    });
  }
  if (ann.verified !== undefined) {
    if (typeof ann.verified !== 'boolean') throw new TypeError('verified must be a boolean');
    draft.verified = ann.verified;
  }
  return draft;
}

export function eventDraft(e: GatewayEvent, kind: Extract<RecordKind, 'event' | 'seal'>): Draft {
  if (e === null || typeof e !== 'object') throw new TypeError('an event is an object');
  if (kind !== 'event' && kind !== 'seal') throw new TypeError(`an event record is of kind event or seal, not ${String(kind)}`);
  if (typeof e.type !== 'string' || typeof e.message !== 'string') throw new TypeError('event.type and event.message must be strings');
  checkTime(e.time, 'event.time');
  // Events are rare and `data` is free-form: a deep copy through JSON both detaches it from the
  // caller and drops what JSON cannot hold (undefined properties). Non-finite numbers would become
  // null silently, so refuse them first.
  rejectNonFinite(e, 'event');
  const event = JSON.parse(JSON.stringify(e)) as GatewayEvent;
  const draft: Draft = { kind, time: e.time, event };
  if (e.standard !== undefined) draft.standard = e.standard;
  return draft;
}

/** The indexed columns of a record's row, in `records` column order after seq/kind/time. */
export function rowColumns(r: JournalRecord): { device: string | null; channel: string | null; standard: string | null } {
  return {
    device: r.reading?.device ?? r.event?.device ?? null,
    channel: r.reading?.channel ?? null,
    standard: r.standard ?? null,
  };
}

function checkTime(t: unknown, what: string): void {
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError(`${what} must be a finite UTC ms, got ${String(t)}`);
}

function rejectNonFinite(v: unknown, path: string, depth = 0): void {
  if (depth > 32) throw new TypeError(`${path} is nested too deeply`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${path} must be finite, got ${v}`);
  } else if (typeof v === 'bigint') {
    throw new TypeError(`${path} is a bigint, which JSON cannot hold`);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) rejectNonFinite(x, `${path}.${k}`, depth + 1);
  }
}
