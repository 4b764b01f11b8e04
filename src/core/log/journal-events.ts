/**
 * The journal's events in the log: what an operator at the terminal (or reading journalctl) must
 * know without opening the page — lifecycle transitions, transport alarms and warnings, steps,
 * drift-rate changes, settling, environment excursions, alarm resolutions, clock problems,
 * identity mismatches, the journal's cap and sink quarantines.
 *
 * Contract:
 * - `journalEventLog(log)` returns a commit listener (Journal.onCommit): for each committed event
 *   record it writes one line, the event's own message, at `info` (severity info) or `warn`
 *   (warning, alarm), with the event's type, standard, device and seq as fields. Acquisitions and
 *   seals are skipped without being parsed.
 * - Skipped types: device_* (the device loop logs those, rate-limited: device-log.ts), clock_sync
 *   (the clock monitor logs it),
 *   gateway_started / gateway_stopped (`run` logs them), standard_declared (debug).
 * - At most `burst` lines per event type and standard/device within `windowMs`; the events beyond
 *   are counted and said in one line with the next one let through ("and 12 more ... since").
 *   Every event stays in the journal and on the page's timeline: only the log is thinned.
 */
import type { Logger } from '../logger.js';
import type { GatewayEvent, JournalRecord, RecordKind } from '../types.js';

// clock_sync: the clock monitor logs each change itself.
const SKIPPED = new Set(['gateway_started', 'gateway_stopped', 'seal', 'clock_sync']);
const DEBUG_ONLY = new Set(['standard_declared']);

/** What the listener needs of a committed record (the journal's CommittedRecord). */
export interface CommittedEvent {
  readonly seq: number;
  readonly kind: RecordKind;
  readonly record: JournalRecord;
}

export interface JournalEventLogOptions {
  /** Monotonic ms (default performance.now). */
  now?: () => number;
  windowMs?: number;
  burst?: number;
}

export function journalEventLog(log: Logger, options: JournalEventLogOptions = {}): (batch: readonly CommittedEvent[]) => void {
  const now = options.now ?? (() => performance.now());
  const windowMs = options.windowMs ?? 60_000;
  const burst = options.burst ?? 5;
  const buckets = new Map<string, { start: number; logged: number; suppressed: number }>();
  return (batch) => {
    for (const r of batch) {
      if (r.kind !== 'event') continue;
      const record = r.record;
      const e = record.kind === 'event' ? record.event : undefined;
      if (!e || SKIPPED.has(e.type) || e.type.startsWith('device_')) continue;
      const fields = fieldsOf(e, r.seq);
      if (DEBUG_ONLY.has(e.type)) {
        log.debug(fields, e.message);
        continue;
      }
      const key = `${e.type}\u0000${e.standard ?? ''}\u0000${e.device ?? ''}`;
      const t = now();
      let b = buckets.get(key);
      if (!b || t - b.start >= windowMs) {
        const suppressed = b?.suppressed ?? 0;
        b = { start: t, logged: 0, suppressed: 0 };
        buckets.set(key, b);
        if (suppressed > 0) fields.suppressedBefore = suppressed;
      }
      if (b.logged >= burst) {
        b.suppressed += 1;
        continue;
      }
      b.logged += 1;
      const message = fields.suppressedBefore ? `${e.message} (and ${fields.suppressedBefore} more ${e.type} events before it, not logged; see the timeline)` : e.message;
      if (e.severity === 'info') log.info(fields, message);
      else log.warn(fields, message);
    }
  };
}

function fieldsOf(e: GatewayEvent, seq: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { event: e.type, seq };
  if (e.standard !== undefined) fields.standard = e.standard;
  if (e.device !== undefined) fields.device = e.device;
  return fields;
}
