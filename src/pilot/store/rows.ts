/**
 * Row mapping shared by the SQLite and PostgreSQL stores: both name their columns alike, so a
 * database row becomes the same object whichever store read it.
 */
import type { ChainRow, EventRow, GapRange, Progress, ReadingRow, RejectCode } from '../types.js';
import type { StatusRow, StoredRejected } from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';

export const PROGRESS_COLUMNS = 'gateway, lab, verified_through, verified_hash, records, duplicates, head_seq, head_time, head_received_at, gaps, updated_at';
export const CHAIN_COLUMNS = 'gateway, seq, kind, time, hash, prev_hash, head_seq, head_hash, pinned';
export const READING_COLUMNS = 'r.gateway, r.seq, r.standard, r.lab, r.time, r.value, r.u, r.unit, r.verified';
export const EVENT_COLUMNS = 'e.gateway, e.seq, e.lab, e.time, e.type, e.standard, e.severity, e.message, e.data';
export const REJECTED_COLUMNS = 'id, digest, gateway, seq, lab, code, reason, hash, body, received_at';

export function progressOf(r: Row): Progress {
  let gaps: GapRange[] = [];
  try {
    gaps = JSON.parse(String(r.gaps ?? '[]')) as GapRange[];
  } catch {
    gaps = [];
  }
  return {
    gateway: String(r.gateway),
    lab: String(r.lab),
    verifiedThrough: num(r.verified_through),
    verifiedHash: String(r.verified_hash ?? ''),
    records: num(r.records),
    duplicates: num(r.duplicates),
    headSeq: num(r.head_seq),
    headTime: numOrNull(r.head_time),
    headReceivedAt: numOrNull(r.head_received_at),
    gaps,
    updatedAt: num(r.updated_at),
  };
}

export function chainRowOf(r: Row): ChainRow {
  return {
    gateway: String(r.gateway),
    seq: num(r.seq),
    kind: String(r.kind),
    time: num(r.time),
    hash: String(r.hash),
    prevHash: String(r.prev_hash),
    headSeq: numOrNull(r.head_seq),
    headHash: r.head_hash === null || r.head_hash === undefined ? null : String(r.head_hash),
    pinned: bool(r.pinned),
  };
}

export function readingOf(r: Row): ReadingRow {
  return {
    gateway: String(r.gateway),
    seq: num(r.seq),
    standard: String(r.standard),
    lab: String(r.lab),
    time: num(r.time),
    value: num(r.value),
    u: numOrNull(r.u),
    unit: String(r.unit),
    verified: bool(r.verified),
  };
}

export function eventOf(r: Row): EventRow {
  return {
    gateway: String(r.gateway),
    seq: num(r.seq),
    lab: String(r.lab),
    time: num(r.time),
    type: String(r.type),
    standard: r.standard === null || r.standard === undefined ? null : String(r.standard),
    severity: String(r.severity),
    message: String(r.message),
    data: String(r.data),
  };
}

export function rejectedOf(r: Row): StoredRejected {
  return {
    id: num(r.id),
    digest: String(r.digest),
    gateway: r.gateway === null ? null : String(r.gateway),
    seq: numOrNull(r.seq),
    lab: r.lab === null ? null : String(r.lab),
    code: String(r.code) as RejectCode,
    reason: String(r.reason),
    hash: r.hash === null ? null : String(r.hash),
    body: String(r.body),
    receivedAt: num(r.received_at),
  };
}

export function statusOf(r: Row): StatusRow {
  return { gateway: String(r.gateway), state: String(r.state), time: num(r.time), receivedAt: num(r.received_at) };
}

/** Seq ranges missing above `above`, from the rows that start a run: each with the seq before it
 *  (`prev`, null for the first stored record above `above`). */
export function holes(above: number, starts: readonly { seq: unknown; prev: unknown }[]): { first: number; last: number }[] {
  return starts
    .map((r) => ({ first: (r.prev === null || r.prev === undefined ? above : num(r.prev)) + 1, last: num(r.seq) - 1 }))
    .filter((h) => h.first <= h.last);
}
