/**
 * The data that flows through the gateway, in the order it flows:
 * RawReading[] (what a driver parsed in one cycle) -> Acquisition (one device, one time stamp, every
 * channel, every flag decided) -> annotated by the checks -> AcquisitionRecord (sequenced,
 * hash-chained, committed). Events and seals are records of their own.
 */

/** Quality flags. A bad reading is data with a flag, never an exception. */
export const QUALITY_FLAGS = [
  'timeout',
  'parse_error',
  'overrange',
  'identity_mismatch',
  'unavailable',
  'device_error',
  'env_out_of_window',
  'settling',
  'transport_shock',
  'clock_unsynced',
  'clock_step',
] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** What a driver returns: one value of one channel, before the gateway attributes it. */
export interface RawReading {
  channel: string;
  quantity: string;
  /** null when the instrument gave no usable number (the flags say why). */
  value: number | null;
  unit: string;
  /** Standard uncertainty (k=1) in `unit`, where known. */
  u?: number;
  flags?: QualityFlag[];
  /** UTC time in ms since the epoch. Drivers set it when they know better than the caller
   *  (e.g. the midpoint of the query that produced the value, or the arrival of a streamed line). */
  time?: number;
  /** Auxiliary numbers recorded with the value (e.g. an instrument's internal temperature). */
  extra?: Record<string, number | string | boolean>;
}

/** One channel of an acquisition seen on its own: what the checks judge and the API lists. */
export interface Reading {
  device: string;
  channel: string;
  quantity: string;
  value: number | null;
  unit: string;
  u?: number;
  /** UTC, ms since the epoch. */
  time: number;
  flags: QualityFlag[];
  extra?: Record<string, number | string | boolean>;
}

/** What an instrument says it is (from *IDN? or its equivalent). */
export interface DeviceIdentity {
  manufacturer: string;
  model: string;
  serial: string;
  firmware?: string;
}

/** An event: something that happened that is not a measured value (state changes, alarms, gaps). */
export interface GatewayEvent {
  type: string;
  /** UTC, ms since the epoch. */
  time: number;
  device?: string;
  standard?: string;
  severity: 'info' | 'warning' | 'alarm';
  message: string;
  data?: Record<string, unknown>;
}

/** The outcome of one check on one reading (drift, step, transport, environment, settling, ...). */
export interface Verdict {
  check: string;
  result: 'pass' | 'warn' | 'fail' | 'info';
  /** The check's figure of merit, e.g. E_n or E_b. */
  value?: number;
  detail?: string;
}

/** What the checks add to a reading of a channel they watch. */
export interface ReadingAnnotations {
  /** The travelling standard the reading belongs to, if any. */
  standard?: string;
  verdicts?: Verdict[];
  /** True only while the standard is measuring, settled, in its environment window, with no
   *  unresolved transport alarm and a matching instrument identity. */
  verified?: boolean;
}

/**
 * One channel's value inside an acquisition: what the instrument said (value, unit, u, its own
 * flags) and, for a channel a travelling standard's checks watch, their annotations. Absent
 * optional fields stay absent (never `undefined` or `null`): an empty `flags` is left out.
 */
export interface ChannelReading extends ReadingAnnotations {
  quantity: string;
  /** null when the instrument gave no usable number (the flags say why). */
  value: number | null;
  unit: string;
  /** Standard uncertainty (k=1) in `unit`, where known. */
  u?: number;
  flags?: QualityFlag[];
  extra?: Record<string, number | string | boolean>;
}

/** Clock provenance: synchronised, not synchronised, or no way to tell. */
export type ClockSyncState = 'yes' | 'no' | 'unknown';

/**
 * What one device gave in one poll, stream line or scan: every channel together, one time stamp
 * (UTC ms: the midpoint of request and reply for a polled device, the arrival of the line for a
 * streaming one), and the gateway clock's provenance when it was taken. Acquisition decides every
 * flag before the checks see it, so a replay of the journal judges exactly what the live checks did.
 */
export interface Acquisition {
  device: string;
  time: number;
  clock: ClockSyncState;
  /** By channel name. */
  channels: Record<string, ChannelReading>;
}

/** The format version of records written by this code; records without `v` are version 1. */
export const RECORD_VERSION = 2;

export type RecordKind = 'acquisition' | 'event' | 'seal';

interface RecordHead {
  v: typeof RECORD_VERSION;
  /** Gateway-wide, gap-free, increasing. */
  seq: number;
  gateway: string;
  lab: string;
  /** UTC, ms since the epoch. */
  time: number;
  /** Was the gateway's clock synchronised to a time source (timedatectl or chrony;
   *  src/core/clock-sync.ts)? Covered by the hash. */
  clock: ClockSyncState;
  /** Hex SHA-256 of the previous record's canonical form ('' for the first record). */
  prevHash: string;
  /** Hex SHA-256 of this record's canonical form without `hash` (src/integrity/canonical.ts). */
  hash: string;
}

/** One acquisition as the journal holds it. */
export interface AcquisitionRecord extends RecordHead {
  kind: 'acquisition';
  device: string;
  channels: Record<string, ChannelReading>;
}

/** An event or a seal as the journal holds it. */
export interface EventRecord extends RecordHead {
  kind: 'event' | 'seal';
  event: GatewayEvent;
  standard?: string;
}

/**
 * Version 1 (travelgate 0.1): one record per channel value. Journals written then are migrated
 * in place and keep these records exactly as they were hashed; readers see them through
 * `readingsOf` (src/core/records.ts).
 */
export interface LegacyReadingRecord {
  seq: number;
  kind: 'reading';
  gateway: string;
  lab: string;
  time: number;
  reading: Reading;
  standard?: string;
  verdicts?: Verdict[];
  verified?: boolean;
  clock?: ClockSyncState;
  prevHash: string;
  hash: string;
}

/** Version 1 events and seals: as version 2 without `v` (and `clock` on the oldest). */
export type LegacyEventRecord = Omit<EventRecord, 'v' | 'clock'> & { v?: undefined; clock?: ClockSyncState };

/** A record as the journal holds it. `seq` is gateway-wide, gap-free and increasing. */
export type JournalRecord = AcquisitionRecord | EventRecord | LegacyReadingRecord | LegacyEventRecord;
