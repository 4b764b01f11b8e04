/**
 * Journal records as InfluxDB points (the schema the README documents under "Forwarding").
 *
 * Contract:
 * - A pure function of the record: the same record always becomes the same points (same
 *   measurement, tag set, fields and timestamp), so a resent batch overwrites itself.
 * - Every point carries the record's `seq` as an integer field and the tags `gateway` and `lab`.
 *   - reading -> `readings`: tags standard, device, channel, quantity; fields value (float, absent
 *     when the instrument gave none), u, unit, flags (comma-separated quality flags, "" when none),
 *     verdict (the worst check result: fail > warn > pass > info), verified, clock, seq, and each
 *     `extra` number/boolean/string as `x_<name>`.
 *   - each verdict of a reading -> `checks`: the reading's tags plus `check`; fields result,
 *     value, detail, seq.
 *   - event -> `events`: tags type, severity, device, standard; fields message, data (JSON), seq.
 *   - seal -> `seals`: fields message, data (JSON: keyId, headSeq, headHash, signature), hash, seq.
 * - Timestamp (ns): the record's UTC ms truncated to the millisecond, plus `seq mod 1e6`
 *   nanoseconds. Two records of one series never share a point (InfluxDB would keep only the last),
 *   and a record's point never moves.
 * - Absent or empty tags are left out (InfluxDB refuses empty tag values).
 */
import type { IPoint } from 'influx';
import type { JournalRecord, Verdict } from '../../core/types.js';

export const MEASUREMENT = { readings: 'readings', checks: 'checks', events: 'events', seals: 'seals' } as const;

/**
 * An integer field. Without a declared schema the `influx` package writes `String(value)` for
 * every non-string field, and line protocol needs the `i` suffix for an integer.
 */
export class IntegerField {
  constructor(readonly value: number) {}
  toString(): string {
    return `${Math.trunc(this.value)}i`;
  }
}

const RESULT_RANK: Record<Verdict['result'], number> = { info: 0, pass: 1, warn: 2, fail: 3 };

/** The worst verdict result of a reading, or undefined when it has none. */
export function worstVerdict(verdicts: readonly Verdict[] | undefined): Verdict['result'] | undefined {
  let worst: Verdict['result'] | undefined;
  for (const v of verdicts ?? []) if (worst === undefined || RESULT_RANK[v.result] > RESULT_RANK[worst]) worst = v.result;
  return worst;
}

/** The record's point time in ns, as a decimal string (exceeds 2^53, so never a JS number). */
export function timestampNs(record: JournalRecord): string {
  const ms = Math.floor(record.time);
  const offset = String(record.seq % 1_000_000).padStart(6, '0');
  return ms === 0 ? String(Number(offset)) : `${ms}${offset}`;
}

export function pointsOf(record: JournalRecord): IPoint[] {
  const timestamp = timestampNs(record);
  const seq = new IntegerField(record.seq);
  const base = { gateway: record.gateway, lab: record.lab };
  if (record.kind === 'reading' && record.reading) {
    const r = record.reading;
    const tags = cleanTags({ ...base, standard: record.standard, device: r.device, channel: r.channel, quantity: r.quantity });
    const fields: Record<string, unknown> = { seq, unit: r.unit, flags: r.flags.join(',') };
    if (r.value !== null && Number.isFinite(r.value)) fields.value = r.value;
    if (r.u !== undefined && Number.isFinite(r.u)) fields.u = r.u;
    const verdict = worstVerdict(record.verdicts);
    if (verdict !== undefined) fields.verdict = verdict;
    if (record.verified !== undefined) fields.verified = record.verified;
    if (record.clock !== undefined) fields.clock = record.clock;
    for (const [k, v] of Object.entries(r.extra ?? {})) {
      if (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'boolean' || typeof v === 'string') fields[`x_${k}`] = v;
    }
    const points: IPoint[] = [{ measurement: MEASUREMENT.readings, tags, fields, timestamp }];
    for (const v of record.verdicts ?? []) {
      const f: Record<string, unknown> = { seq, result: v.result };
      if (v.value !== undefined && Number.isFinite(v.value)) f.value = v.value;
      if (v.detail !== undefined) f.detail = v.detail;
      points.push({ measurement: MEASUREMENT.checks, tags: cleanTags({ ...tags, check: v.check }), fields: f, timestamp });
    }
    return points;
  }
  const e = record.event;
  if (record.kind === 'seal') {
    const fields: Record<string, unknown> = { seq, hash: record.hash, message: e?.message ?? '' };
    if (e?.data !== undefined) fields.data = JSON.stringify(e.data);
    return [{ measurement: MEASUREMENT.seals, tags: cleanTags(base), fields, timestamp }];
  }
  const tags = cleanTags({ ...base, type: e?.type, severity: e?.severity, device: e?.device, standard: e?.standard ?? record.standard });
  const fields: Record<string, unknown> = { seq, message: e?.message ?? '' };
  if (e?.data !== undefined) fields.data = JSON.stringify(e.data);
  return [{ measurement: MEASUREMENT.events, tags, fields, timestamp }];
}

/** Tags without absent or empty values; line breaks (which line protocol cannot escape) become spaces. */
function cleanTags(tags: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in tags) {
    const v = tags[k];
    if (typeof v !== 'string' || v.length === 0) continue;
    out[k] = v.includes('\n') || v.includes('\r') ? v.replace(/[\r\n]+/g, ' ') : v;
  }
  return out;
}
