/**
 * The data that flows through the gateway, in the order it flows:
 * RawReading (what a driver parsed) -> Reading (time-stamped, attributed to a device)
 * -> JournalRecord (sequenced, hash-chained, committed).
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

/** A reading attributed to a device and time-stamped: what acquisition hands to the journal. */
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

/** What the checks add to a reading before it is journaled. */
export interface ReadingAnnotations {
  /** The travelling standard the reading belongs to, if any. */
  standard?: string;
  verdicts?: Verdict[];
  /** True only while the standard is measuring, settled, in its environment window, with no
   *  unresolved transport alarm and a matching instrument identity. */
  verified?: boolean;
}

export type RecordKind = 'reading' | 'event' | 'seal';

/** Clock provenance: synchronised, not synchronised, or no way to tell. */
export type ClockSyncState = 'yes' | 'no' | 'unknown';

/** A record as the journal holds it. `seq` is gateway-wide, gap-free and increasing. */
export interface JournalRecord {
  seq: number;
  kind: RecordKind;
  gateway: string;
  lab: string;
  /** UTC, ms since the epoch. */
  time: number;
  reading?: Reading;
  event?: GatewayEvent;
  standard?: string;
  verdicts?: Verdict[];
  verified?: boolean;
  /** Was the gateway's clock synchronised to a time source when the record was appended
   *  (timedatectl or chrony; src/core/clock-sync.ts)? The journal sets it on every record it
   *  appends, so the hash covers it; optional only for records written before it existed. */
  clock?: ClockSyncState;
  /** Hex SHA-256 of the previous record's canonical form ('' for the first record). */
  prevHash: string;
  hash: string;
}
