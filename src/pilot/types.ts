/**
 * The shapes the pilot's receiver passes between arrival checks, the store and the verifier.
 * A key is (gateway, seq): a gateway's seq is gap-free and never reused, so it names a record.
 */

/** Why a record was kept apart. */
export const REJECT_CODES = [
  'malformed',
  'unknown_gateway',
  'wrong_lab',
  'wrong_hash',
  'unknown_key',
  'bad_seal',
  'conflict',
  'broken_link',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** One channel reading of a travelling standard, as the results read it. */
export interface ReadingRow {
  gateway: string;
  seq: number;
  lab: string;
  standard: string;
  /** UTC ms. */
  time: number;
  /** At reference conditions: the gateway's corrected value when it made one, else as measured. */
  value: number;
  u: number | null;
  unit: string;
  /** The gateway's own verdict: measuring, settled, in its window, no open transport alarm. */
  verified: boolean;
}

/** One event record (not a seal), as the route and the declarations read it. */
export interface EventRow {
  gateway: string;
  seq: number;
  lab: string;
  time: number;
  type: string;
  standard: string | null;
  severity: string;
  message: string;
  /** JSON text of `event.data` ('null' when absent). */
  data: string;
}

/** A record that passed the arrival checks: its shape, gateway, lab, own hash and (a seal) signature. */
export interface Arrival {
  gateway: string;
  seq: number;
  kind: string;
  time: number;
  hash: string;
  prevHash: string;
  /** For a seal: the head it names. */
  headSeq: number | null;
  headHash: string | null;
  /** The record's JSON, as received (re-serialised). */
  body: string;
  readings: ReadingRow[];
  event: EventRow | null;
}

/** A record kept apart, with its reason. `digest` (SHA-256 of its JSON) makes storing it idempotent. */
export interface RejectedRow {
  gateway: string | null;
  seq: number | null;
  lab: string | null;
  code: RejectCode;
  reason: string;
  hash: string | null;
  digest: string;
  body: string;
  receivedAt: number;
}

/** What the verifier needs of a stored record. */
export interface ChainRow {
  gateway: string;
  seq: number;
  kind: string;
  time: number;
  hash: string;
  prevHash: string;
  headSeq: number | null;
  headHash: string | null;
  pinned: boolean;
}

/** A gap event's range (the gateway deleted these records before it could forward them). */
export interface GapRange {
  first: number;
  last: number;
  /** The seq of the gap event itself. */
  seq: number;
}

/**
 * A gateway's verification state, the row every receiver locks before it changes the gateway.
 * `verifiedThrough`: every seq up to it is present (or inside a gap the gateway declared), its hash
 * checked, linked, and covered by a valid seal of a trusted key. `verifiedHash`: hash of that record
 * ('' at 0 and right after a declared gap).
 */
export interface Progress {
  gateway: string;
  lab: string;
  verifiedThrough: number;
  verifiedHash: string;
  records: number;
  duplicates: number;
  headSeq: number;
  headTime: number | null;
  headReceivedAt: number | null;
  gaps: GapRange[];
  updatedAt: number;
}

export const keyOf = (gateway: string, seq: number): string => `${gateway}\u0000${seq}`;
