import type { CommitSubscriber, GatewayView, JournalReader } from '../../src/api/view.js';
import type { DeviceStatus } from '../../src/acquisition/device-status.js';
import { readingsOf } from '../../src/core/records.js';
import type { ChannelReading, JournalRecord, Reading, Verdict } from '../../src/core/types.js';
import type { DiskCapStats } from '../../src/journal/disk-cap.js';
import type { LinkStatus } from '../../src/links/types.js';
import type { SinkStatus } from '../../src/sinks/types.js';

const T0 = Date.UTC(2026, 0, 1);

/** A one-channel acquisition record (dmm-1/dcv unless `r` says otherwise). */
export function readingRecord(seq: number, r: Partial<Reading> = {}, extra: { standard?: string; verdicts?: Verdict[]; verified?: boolean } = {}): JournalRecord {
  const time = r.time ?? T0 + seq * 1000;
  const { device = 'dmm-1', channel = 'dcv', quantity = 'voltage', value = 10.0000012, unit = 'V', flags = [], u, extra: x } = r;
  const c: ChannelReading = { quantity, value, unit, ...extra };
  if (u !== undefined) c.u = u;
  if (flags.length > 0) c.flags = flags;
  if (x !== undefined) c.extra = x;
  return { v: 2, seq, kind: 'acquisition', gateway: 'gw', lab: 'LAB', time, clock: 'yes', device, channels: { [channel]: c }, prevHash: '', hash: `h${seq}` };
}

export function eventRecord(seq: number, type: string, severity: 'info' | 'warning' | 'alarm', message: string, kind: 'event' | 'seal' = 'event'): JournalRecord {
  const time = T0 + seq * 1000;
  return { v: 2, seq, kind, gateway: 'gw', lab: 'LAB', time, clock: 'yes', event: { type, time, severity, message, standard: 'z-1' }, prevHash: '', hash: `h${seq}` };
}

/**
 * An in-memory stand-in for a running gateway: records are "committed" with `commit()`, which
 * stores them (for range/record queries) and tells the subscribers, as the journal does.
 */
export class FakeGateway {
  readonly records: JournalRecord[] = [];
  readonly listeners = new Set<CommitSubscriber>();
  devices: DeviceStatus[] = [];
  links: LinkStatus[] = [];
  sinks: SinkStatus[] | undefined;
  cursors: { name: string; seq: number; updatedAt: number }[] = [];
  cap: DiskCapStats | null = null;
  journalOpen = true;

  commit(records: JournalRecord[]): void {
    this.records.push(...records);
    for (const l of this.listeners) l(records);
  }

  get lastSeq(): number {
    return this.records.at(-1)?.seq ?? 0;
  }

  readonly journal: JournalReader = {
    recentReadings: (q) =>
      this.records
        .flatMap((r) => readingsOf(r, q.channel))
        .filter((r) => (!q.device || r.device === q.device) && (q.since === undefined || r.time >= q.since))
        .sort((a, b) => b.time - a.time || b.seq - a.seq)
        .slice(0, q.limit),
    stats: () => ({ records: this.records.length, firstSeq: this.records[0]?.seq ?? null, lastSeq: this.lastSeq, sizeBytes: 4096 * this.records.length }),
    range: (from, limit) => this.records.filter((r) => r.seq >= from).slice(0, limit),
    record: (seq) => this.records.find((r) => r.seq === seq),
    recentEvents: (q) =>
      this.records
        .filter((r) => (r.kind === 'event' || (r.kind === 'seal' && q.seals !== false)) && (q.since === undefined || r.time >= q.since))
        .sort((a, b) => b.time - a.time || b.seq - a.seq)
        .slice(0, q.limit),
    cursors: () => this.cursors,
    capStats: () => this.cap,
  };

  readonly view: GatewayView = {
    info: () => ({ gateway: 'gw', lab: 'LAB', comparison: 'TEST.EM-K1', version: '0.0.0-test', startedAt: '2026-01-01T00:00:00.000Z' }),
    isReady: () => true,
    devices: () => this.devices,
    links: () => this.links,
    journal: () => (this.journalOpen ? this.journal : undefined),
    subscribe: (l) => {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    },
    // undefined: a gateway whose view has no sink status (metrics fall back to the cursors)
    sinks: () => this.sinks as SinkStatus[],
  };
}

export function device(id: string, over: Partial<DeviceStatus> = {}): DeviceStatus {
  return {
    id,
    driver: 'scpi',
    link: 'lan',
    state: 'connected',
    readings: 0,
    errors: 0,
    errorsByCode: {},
    lastReadingAt: null,
    lastError: null,
    identity: null,
    identityMatches: true,
    ...over,
  };
}
