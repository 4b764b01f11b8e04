/**
 * Turning acquisitions and events into journal drafts, and records into table rows.
 *
 * Contract:
 * - `acquisitionDraft` / `eventDraft` validate at append time, so a malformed acquisition is
 *   refused on its own (a TypeError for that one append) instead of failing the whole group commit
 *   later: every number must be finite (JSON and RFC 8785 have no NaN or Infinity; a missing value
 *   is `null` with a quality flag), times are UTC ms, channel names are non-empty.
 * - The journal takes ownership of an acquisition: the caller must not change it after `append`
 *   (acquisition builds a fresh one per cycle; copying it here would cost every value a copy).
 *   An event is copied (events are rare and their `data` is free-form).
 * - Optional fields that are absent stay absent (never `undefined` or `null`), so the record read
 *   back from the table is exactly the record that was hashed.
 */
import type { Acquisition, ClockSyncState, GatewayEvent, RecordKind } from '../core/types.js';

/** A record before the journal numbers and chains it. */
export type Draft =
  | { kind: 'acquisition'; time: number; clock: ClockSyncState; device: string; channels: Acquisition['channels'] }
  | { kind: 'event' | 'seal'; time: number; clock?: ClockSyncState; event: GatewayEvent; standard?: string };

/** `records.kind` in the table: a small integer instead of a repeated string. */
export const KIND_CODE = { acquisition: 1, event: 2, seal: 3 } as const satisfies Record<RecordKind, number>;
/** Version 1 reading records (migrated journals) are acquisitions for every query. */
export const LEGACY_READING_CODE = KIND_CODE.acquisition;

const CLOCK_STATES = new Set<unknown>(['yes', 'no', 'unknown']);

export function acquisitionDraft(a: Acquisition): Draft {
  if (a === null || typeof a !== 'object') throw new TypeError('an acquisition is an object');
  if (typeof a.device !== 'string' || a.device.length === 0) throw new TypeError('acquisition.device must be a non-empty string');
  checkTime(a.time, 'acquisition.time');
  if (!CLOCK_STATES.has(a.clock)) throw new TypeError(`acquisition.clock must be yes, no or unknown, got ${String(a.clock)}`);
  if (a.channels === null || typeof a.channels !== 'object') throw new TypeError('acquisition.channels must be an object');
  for (const name in a.channels) {
    const c = a.channels[name]!;
    const where = `${a.device}/${name}`;
    if (name.length === 0 || name === '__proto__') throw new TypeError(`${a.device}: channel name "${name}" is not usable`);
    if (typeof c.quantity !== 'string' || typeof c.unit !== 'string') throw new TypeError(`${where}: quantity and unit must be strings`);
    if (c.value !== null && !Number.isFinite(c.value)) throw new TypeError(`${where}: value must be a finite number or null, got ${c.value}`);
    if (c.u !== undefined && !Number.isFinite(c.u)) throw new TypeError(`${where}: u must be finite`);
    if (c.flags !== undefined && !Array.isArray(c.flags)) throw new TypeError(`${where}: flags must be an array`);
    if (c.verified !== undefined && typeof c.verified !== 'boolean') throw new TypeError(`${where}: verified must be a boolean`);
    if (c.extra !== undefined) {
      for (const k in c.extra) {
        const v = c.extra[k];
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && typeof v !== 'boolean') {
          throw new TypeError(`${where}: extra.${k} must be a finite number, a string or a boolean`);
        }
      }
    }
    if (c.verdicts !== undefined) {
      for (const v of c.verdicts) {
        if (typeof v.check !== 'string' || typeof v.result !== 'string') throw new TypeError(`${where}: a verdict has a check and a result`);
        if (v.value !== undefined && !Number.isFinite(v.value)) throw new TypeError(`${where}: verdict ${v.check} value must be finite`);
      }
    }
  }
  return { kind: 'acquisition', time: a.time, clock: a.clock, device: a.device, channels: a.channels };
}

export function eventDraft(e: GatewayEvent, kind: 'event' | 'seal'): Draft {
  if (e === null || typeof e !== 'object') throw new TypeError('an event is an object');
  if (kind !== 'event' && kind !== 'seal') throw new TypeError(`an event record is of kind event or seal, not ${String(kind)}`);
  if (typeof e.type !== 'string' || typeof e.message !== 'string') throw new TypeError('event.type and event.message must be strings');
  checkTime(e.time, 'event.time');
  // A deep copy through JSON both detaches `data` from the caller and drops what JSON cannot hold
  // (undefined properties). Non-finite numbers would become null silently, so refuse them first.
  rejectNonFinite(e, 'event');
  const event = JSON.parse(JSON.stringify(e)) as GatewayEvent;
  const draft: Draft = { kind, time: e.time, event };
  if (e.standard !== undefined) draft.standard = e.standard;
  return draft;
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
