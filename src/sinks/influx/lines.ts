/**
 * Journal records as InfluxDB line protocol (the schema the README documents under "Forwarding").
 *
 * Contract:
 * - A pure function of the record: the same record always becomes the same line (measurement, tag
 *   set, fields, timestamp), so a resent batch overwrites itself.
 * - One line per record, with the tags `gateway` and `lab` and the integer field `seq`:
 *   - acquisition -> `readings`, tag `device`; per channel `<channel>` (float, absent when the
 *     instrument gave no value), `<channel>_u`, `<channel>_flags` (comma-separated, only when
 *     flagged), each `extra` as `<channel>_x_<name>`; for a channel the checks watch also
 *     `<channel>_verdict` (the worst: fail > warn > pass > info), `<channel>_verified`,
 *     `<channel>_En` and `<channel>_Eb` (the figures of the `prediction` and `drift_rate` checks);
 *     and `clock`. The Telegraf convention: one point per device and time, a field per channel.
 *   - event -> `events`: tags type, severity, device, standard; fields message, data (JSON), seq.
 *   - seal -> `seals`: fields message, data (JSON: keyId, headSeq, headHash, signature), hash, seq.
 *   A version 1 reading record is written as the one-channel acquisition it is.
 * - Timestamp (ns): the record's UTC ms truncated to the millisecond, plus `seq mod 1e6`
 *   nanoseconds. Two records of one series never share a point (InfluxDB would keep only the
 *   last), and a record's point never moves.
 * - Escaping per the line protocol: measurement, tag keys and values and field keys escape
 *   comma, equals sign and space (line breaks, which it cannot escape, become spaces, and a
 *   backslash a slash; an empty tag
 *   is left out); string fields escape backslash and double quote. Escaped names are cached, so a
 *   steady stream of acquisitions costs no escaping per value.
 */
import { acquisitionOf } from '../../core/records.js';
import type { Acquisition, ChannelReading, JournalRecord, Verdict } from '../../core/types.js';

export const MEASUREMENT = { readings: 'readings', events: 'events', seals: 'seals' } as const;

const RESULT_RANK: Record<Verdict['result'], number> = { info: 0, pass: 1, warn: 2, fail: 3 };

/** The worst verdict result of a reading, or undefined when it has none. */
export function worstVerdict(verdicts: readonly Verdict[] | undefined): Verdict['result'] | undefined {
  let worst: Verdict['result'] | undefined;
  for (const v of verdicts ?? []) if (worst === undefined || RESULT_RANK[v.result] > RESULT_RANK[worst]) worst = v.result;
  return worst;
}

/** The record's point time in ns, as a decimal string (exceeds 2^53, so never a JS number). */
export function timestampNs(record: { time: number; seq: number }): string {
  const ms = Math.floor(record.time);
  const offset = String(record.seq % 1_000_000).padStart(6, '0');
  return ms === 0 ? String(Number(offset)) : `${ms}${offset}`;
}

/** Builds lines; keeps the escaped tag sets and field keys it has seen (bounded). */
export class LineBuilder {
  readonly #gateway: string;
  readonly #lab: string;
  readonly #readingsPrefix = new Map<string, string>();
  readonly #keys = new Map<string, string>();

  constructor(gateway: string, lab: string) {
    this.#gateway = gateway;
    this.#lab = lab;
  }

  /** The record as one line, without the trailing newline. */
  line(record: JournalRecord): string {
    if (record.kind === 'event' || record.kind === 'seal') return this.#eventLine(record);
    return this.#acquisitionLine(acquisitionOf(record)!, record.seq);
  }

  #acquisitionLine(a: Acquisition, seq: number): string {
    let prefix = this.#readingsPrefix.get(a.device);
    if (prefix === undefined) {
      prefix = `${MEASUREMENT.readings}${this.#tags([['device', a.device]])} `;
      if (this.#readingsPrefix.size < 10_000) this.#readingsPrefix.set(a.device, prefix);
    }
    let fields = '';
    for (const name in a.channels) fields += this.#channelFields(name, a.channels[name]!);
    return `${prefix}${fields}clock=${stringField(a.clock)},seq=${seq}i ${timestampNs({ time: a.time, seq })}`;
  }

  #channelFields(name: string, c: ChannelReading): string {
    const key = this.#key(name);
    let out = '';
    if (c.value !== null && Number.isFinite(c.value)) out += `${key}=${c.value},`;
    if (c.u !== undefined && Number.isFinite(c.u)) out += `${key}_u=${c.u},`;
    if (c.flags !== undefined && c.flags.length > 0) out += `${key}_flags=${stringField(c.flags.join(','))},`;
    if (c.extra !== undefined) {
      for (const x in c.extra) {
        const v = c.extra[x]!;
        const value = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : undefined) : typeof v === 'boolean' ? String(v) : stringField(v);
        if (value !== undefined) out += `${key}_x_${this.#key(x)}=${value},`;
      }
    }
    if (c.verdicts !== undefined) {
      const worst = worstVerdict(c.verdicts);
      if (worst !== undefined) out += `${key}_verdict="${worst}",`;
      for (const v of c.verdicts) {
        if (v.value === undefined || !Number.isFinite(v.value)) continue;
        if (v.check === 'prediction') out += `${key}_En=${v.value},`;
        else if (v.check === 'drift_rate') out += `${key}_Eb=${v.value},`;
      }
    }
    if (c.verified !== undefined) out += `${key}_verified=${c.verified},`;
    return out;
  }

  #eventLine(record: Extract<JournalRecord, { kind: 'event' | 'seal' }>): string {
    const e = record.event;
    const data = e.data === undefined ? '' : `data=${stringField(JSON.stringify(e.data))},`;
    const ts = timestampNs(record);
    if (record.kind === 'seal') {
      return `${MEASUREMENT.seals}${this.#tags([])} ${data}hash=${stringField(record.hash)},message=${stringField(e.message)},seq=${record.seq}i ${ts}`;
    }
    const tags = this.#tags([
      ['device', e.device],
      ['severity', e.severity],
      ['standard', e.standard ?? record.standard],
      ['type', e.type],
    ]);
    return `${MEASUREMENT.events}${tags} ${data}message=${stringField(e.message)},seq=${record.seq}i ${ts}`;
  }

  /** A channel's (or an extra's) field key; a channel named like a field of the point itself
   *  (`seq`, `clock`) or InfluxDB's `time` gets `_value` appended. */
  #key(name: string): string {
    let key = this.#keys.get(name);
    if (key === undefined) {
      key = escapeName(RESERVED.has(name) ? `${name}_value` : name);
      if (this.#keys.size < 10_000) this.#keys.set(name, key);
    }
    return key;
  }

  /** `,k=v` tag pairs with gateway and lab, sorted by key as InfluxDB prefers; absent or empty
   *  values left out. */
  #tags(pairs: [string, string | undefined][]): string {
    const all: [string, string | undefined][] = [...pairs, ['gateway', this.#gateway], ['lab', this.#lab]];
    all.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    let out = '';
    for (const [k, v] of all) if (v !== undefined && v.length > 0) out += `,${k}=${escapeName(v)}`;
    return out;
  }
}

const RESERVED = new Set(['seq', 'clock', 'time']);

const NAME_SPECIAL = /[,= \\\r\n]/;

/** A measurement, tag key, tag value or field key: comma, equals sign and space escaped. A
 *  backslash, which line protocol cannot carry at the end of a name or before those characters,
 *  becomes a slash (`C:\` -> `C:/`). */
function escapeName(s: string): string {
  if (!NAME_SPECIAL.test(s)) return s;
  return s.replace(/[\r\n]+/g, ' ').replace(/\\/g, '/').replace(/([,= ])/g, '\\$1');
}

/** A string field value: backslash and double quote escaped, line breaks as `\n`. */
function stringField(s: string): string {
  if (!/["\\\r\n]/.test(s)) return `"${s}"`;
  return `"${s.replace(/[\\"]/g, '\\$&').replace(/\r?\n|\r/g, '\\n')}"`;
}
