/**
 * The comparison platform's MQTT contract: topics and payloads.
 *
 * - `{prefix}/{comparison}/{lab}/records`: every journal record, in seq order, QoS 1, packed: each
 *   message is a JSON array of consecutive records.
 * - `{prefix}/{comparison}/{lab}/events`: alarms and lifecycle transitions again, one record (a JSON
 *   object) per message, for dashboards that do not want every acquisition.
 * - `{prefix}/{comparison}/{lab}/status`: retained `{gateway, lab, comparison, state, time}`; the
 *   last will sets `state: "offline"` when the gateway vanishes.
 * - A record in a payload is the journal record's JSON exactly as the journal made it (`hash` first,
 *   then the canonical body: v, seq, kind, gateway, lab, time, clock, device and channels or event,
 *   prevHash): `gateway` and `seq` let the platform deduplicate exactly and prove completeness (a
 *   missing seq is either still on its way or named by a `gap` event), and the hashes let it
 *   verify the chain.
 */
import type { JournalRecord } from '../../core/types.js';

export interface MqttTopics {
  records: string;
  events: string;
  status: string;
}

/** Event types that go to the events topic whatever their severity (alarms always do). */
export const DASHBOARD_EVENT_TYPES: ReadonlySet<string> = new Set([
  'standard_transition',
  'standard_settled',
  'standard_alarms_resolved',
  'gateway_started',
  'gateway_stopped',
  'gap',
  'journal_full',
  'journal_resumed',
  'sink_quarantine',
]);

export function topicsFor(prefix: string, comparison: string, lab: string): MqttTopics {
  checkLevels(prefix, 'topicPrefix', true);
  checkLevels(comparison, 'comparison', false);
  checkLevels(lab, 'lab', false);
  const base = `${prefix}/${comparison}/${lab}`;
  return { records: `${base}/records`, events: `${base}/events`, status: `${base}/status` };
}

export function isDashboardEvent(r: JournalRecord): boolean {
  if (r.kind !== 'event' || !r.event) return false;
  return r.event.severity === 'alarm' || DASHBOARD_EVENT_TYPES.has(r.event.type);
}

export function statusPayload(s: { gateway: string; lab: string; comparison: string; state: 'online' | 'offline'; time: number }): string {
  return JSON.stringify({ ...s, time: new Date(s.time).toISOString() });
}

/** Topic names must not contain wildcards or empty levels; only the prefix may span levels. */
function checkLevels(value: string, what: string, multiLevel: boolean): void {
  const problem = topicLevelProblem(value, multiLevel);
  if (problem) throw new RangeError(`MQTT ${what} "${value}" ${problem}`);
}

/** Why `value` cannot be a topic level (or, with `multiLevel`, levels), or undefined when it can:
 *  no wildcard ("+", "#"), no empty level, no NUL, no "/" in a single level, at most 65535 bytes. */
export function topicLevelProblem(value: string, multiLevel: boolean): string | undefined {
  const levels = value.split('/');
  if (value.length === 0 || levels.some((l) => l.length === 0) || value.includes('+') || value.includes('#') || value.includes('\u0000') || (!multiLevel && levels.length > 1) || Buffer.byteLength(value) > 65_535) {
    return `is not usable in a topic (no "+", "#", empty level${multiLevel ? '' : ' or "/"'})`;
  }
  return undefined;
}
