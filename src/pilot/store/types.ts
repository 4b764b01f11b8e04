/**
 * The pilot's store: the verification state every receiver shares, and the queries the API reads.
 * Two implementations with the same tables and the same behaviour: SQLite (one receiver, the
 * default) and PostgreSQL (several receivers and the page on one state).
 *
 * Contract:
 * - `transaction(fn)` runs fn in one database transaction: all of its writes commit together or
 *   not at all. A failure rolls back and rejects; the caller may retry the whole batch (every write
 *   is idempotent: records are unique on (gateway, seq), rejected records on their digest).
 * - Inside a transaction the caller first calls `lockProgress` for every gateway it will change,
 *   in one call: the rows are locked in gateway order (PostgreSQL: SELECT … FOR UPDATE), so two
 *   receivers never change one gateway at once and never deadlock. SQLite's write transaction is
 *   exclusive anyway.
 * - `insertRecords` inserts each record with ON CONFLICT DO NOTHING and returns the keys it did
 *   insert; the derived rows (readings, events) of exactly those records are inserted with them,
 *   and `removeRecords` deletes them again. Reads for results join `seq <= verified_through`, so a
 *   derived row counts only once its record is verified.
 * - Reads outside a transaction see committed state only.
 */
import type { Arrival, ChainRow, EventRow, Progress, ReadingRow, RejectedRow, RejectCode } from '../types.js';

export interface Key {
  gateway: string;
  seq: number;
}

/** A range of seqs, both ends included. */
export interface SeqRange {
  first: number;
  last: number;
}

/** A gateway's retained status message (online/offline), as it last arrived. */
export interface StatusRow {
  gateway: string;
  state: string;
  time: number;
  receivedAt: number;
}

/** A stored record as `probe` sees it. */
export interface Probe {
  pinned: boolean;
  /** Pinned: the last record of the unbroken run of pinned records from this one on. */
  runEnd: { seq: number; hash: string } | null;
}

export interface StoredRejected extends RejectedRow {
  id: number;
}

export interface StoreTx {
  /** Lock and read the progress rows of these gateways (every configured gateway has one). */
  lockProgress(gateways: readonly string[]): Promise<Map<string, Progress>>;
  /**
   * Insert records (and their derived rows). Returns the keys (keyOf) actually inserted, and every
   * stored record that is not pinned above each `unpinnedAbove` entry's seq (those just inserted
   * included), in one round trip where the database allows it.
   */
  insertRecords(rows: readonly Arrival[], unpinnedAbove?: readonly { gateway: string; above: number }[]): Promise<{ inserted: Set<string>; unpinned: ChainRow[] }>;
  /** Hashes of stored records at these keys, by keyOf. */
  hashesAt(keys: readonly Key[]): Promise<Map<string, string>>;
  /** Store rejected records; one already stored (same digest) is left as it is. */
  insertRejected(rows: readonly RejectedRow[]): Promise<void>;
  /** Stored records at `at`, and the stored seals whose head is one of `named`. */
  neighbours(at: readonly Key[], named: readonly Key[]): Promise<{ rows: ChainRow[]; seals: { gateway: string; headSeq: number; headHash: string }[] }>;
  /** A record kept apart as a `conflict` at (gateway, seq) whose hash is `hash`, if any. */
  conflictCandidate(gateway: string, seq: number, hash: string): Promise<{ digest: string; body: string } | undefined>;
  deleteRejected(digests: readonly string[]): Promise<void>;
  /** Delete records (and their derived rows); returns the bodies deleted, by keyOf. */
  removeRecords(keys: readonly Key[]): Promise<Map<string, string>>;
  /** What is stored at these keys (by keyOf; absent: nothing stored): pinned or not, and for a
   *  pinned record the last record of the run of pinned records that starts there. */
  probe(keys: readonly Key[]): Promise<Map<string, Probe>>;
  /** The batch's outcome: pin these records, save these progress rows and gateway statuses. */
  finish(outcome: { pins: readonly Key[]; progress: readonly Progress[]; statuses: readonly StatusRow[] }): Promise<void>;
}

export interface PilotStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Create the tables (idempotent) and a progress row for each gateway that has none. */
  init(gateways: readonly { id: string; lab: string }[]): Promise<void>;
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  progress(): Promise<Progress[]>;
  /**
   * Per gateway: the seq ranges not received between `above` + 1 and the highest stored record
   * (at most `limit` ranges, lowest first), and the time of the lowest stored record above `above`
   * (the oldest record received and not yet verified; absent when there is none).
   */
  completeness(gateways: readonly { gateway: string; above: number }[], limit?: number): Promise<Map<string, { missing: SeqRange[]; oldest: number | null }>>;
  rejectedCounts(): Promise<{ gateway: string | null; code: RejectCode; count: number }[]>;
  rejected(options: { gateways?: readonly string[]; limit: number }): Promise<StoredRejected[]>;
  /** Readings of a standard the gateways marked verified, from verified records only (pinned, at
   *  or below verifiedThrough), in time order. */
  verifiedReadings(standard: string, labs?: readonly string[]): Promise<ReadingRow[]>;
  /** Events of these types from verified records only, oldest first; `beyondVerified`: from every
   *  pinned record, also above a hole that holds verifiedThrough back. */
  verifiedEvents(types: readonly string[], labs?: readonly string[], options?: { beyondVerified?: boolean }): Promise<EventRow[]>;
  statuses(): Promise<StatusRow[]>;
  /** Stored records of a gateway from `fromSeq` on, as received (JSON), in seq order. */
  recordBodies(gateway: string, fromSeq: number, limit: number): Promise<{ seq: number; body: string }[]>;
  close(): Promise<void>;
}

/** The tables both stores create. Types: `int` is a 64-bit integer, `real` a double. */
export function schemaStatements(dialect: 'sqlite' | 'postgres', prefix = ''): string[] {
  const bool = dialect === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
  const no = dialect === 'sqlite' ? '0' : 'false';
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  const real = dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION';
  const t = (name: string) => `${prefix}${name}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${t('records')} (gateway TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, time ${real} NOT NULL,
      hash TEXT NOT NULL, prev_hash TEXT NOT NULL, head_seq BIGINT, head_hash TEXT, pinned ${bool} NOT NULL DEFAULT ${no},
      received_at BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (gateway, seq))`,
    `CREATE INDEX IF NOT EXISTS ${t('records_unpinned')} ON ${t('records')} (gateway, seq) WHERE pinned = ${no}`,
    `CREATE INDEX IF NOT EXISTS ${t('records_heads')} ON ${t('records')} (gateway, head_seq) WHERE head_seq IS NOT NULL`,
    `CREATE TABLE IF NOT EXISTS ${t('readings')} (gateway TEXT NOT NULL, seq BIGINT NOT NULL, standard TEXT NOT NULL, lab TEXT NOT NULL,
      time ${real} NOT NULL, value ${real} NOT NULL, u ${real}, unit TEXT NOT NULL, verified ${bool} NOT NULL, PRIMARY KEY (gateway, seq, standard))`,
    `CREATE INDEX IF NOT EXISTS ${t('readings_standard')} ON ${t('readings')} (standard, lab, time)`,
    `CREATE TABLE IF NOT EXISTS ${t('events')} (gateway TEXT NOT NULL, seq BIGINT NOT NULL, lab TEXT NOT NULL, time ${real} NOT NULL, type TEXT NOT NULL,
      standard TEXT, severity TEXT NOT NULL, message TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (gateway, seq))`,
    `CREATE INDEX IF NOT EXISTS ${t('events_type')} ON ${t('events')} (type, time)`,
    `CREATE TABLE IF NOT EXISTS ${t('rejected')} (id ${serial}, digest TEXT NOT NULL UNIQUE, gateway TEXT, seq BIGINT, lab TEXT,
      code TEXT NOT NULL, reason TEXT NOT NULL, hash TEXT, body TEXT NOT NULL, received_at BIGINT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${t('rejected_key')} ON ${t('rejected')} (gateway, seq)`,
    `CREATE TABLE IF NOT EXISTS ${t('progress')} (gateway TEXT PRIMARY KEY, lab TEXT NOT NULL, verified_through BIGINT NOT NULL DEFAULT 0,
      verified_hash TEXT NOT NULL DEFAULT '', records BIGINT NOT NULL DEFAULT 0, duplicates BIGINT NOT NULL DEFAULT 0,
      head_seq BIGINT NOT NULL DEFAULT 0, head_time ${real}, head_received_at BIGINT, gaps TEXT NOT NULL DEFAULT '[]', updated_at BIGINT NOT NULL DEFAULT 0)`,
    `CREATE TABLE IF NOT EXISTS ${t('status')} (gateway TEXT PRIMARY KEY, state TEXT NOT NULL, time ${real} NOT NULL, received_at BIGINT NOT NULL)`,
  ];
}
