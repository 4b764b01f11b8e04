/**
 * Read-side queries over the journal file, each a prepared statement.
 *
 * Contract:
 * - Records come back exactly as they were hashed: `StoredRecord`s over the stored canonical body
 *   and hash, parsed into objects only when a reader asks for one.
 * - `recentAcquisitions` is newest first: by time (ties: higher seq first) for one device, through
 *   the (device, time) index, so the cost is that of `limit` rows however large the journal is;
 *   by seq across devices (acquisitions are committed in about time order).
 * - `recentReadings` lists channel readings newest first, reading as many acquisitions as it needs.
 * - `range(fromSeq, limit)` is seq order from `fromSeq` inclusive (sinks, export and replay page
 *   with it).
 * - An acquisition stored short (compact-body.ts) comes back whole: its prevHash is the hash of the
 *   row before it (in the same result when it is there, else one lookup by seq), or the retention
 *   anchor, or '' for seq 1.
 */
import type { RecordReading } from '../core/records.js';
import { readingsOf } from '../core/records.js';
import type { JournalRecord } from '../core/types.js';
import { isShortBody, type AcquisitionBodies } from './compact-body.js';
import { KIND_CODE } from './records.js';
import { readMeta, type SqliteDb, type Stmt } from './schema.js';
import { kindOfCode, StoredRecord } from './stored.js';

export interface RecentFilter {
  device?: string;
  /** Only readings of this channel (`recentReadings`). */
  channel?: string;
  /** Lower bound on the record's time, UTC ms, inclusive. */
  since?: number;
  limit: number;
}

interface Row {
  seq: number;
  kind: number;
  time: number;
  device: string | null;
  body: string;
  hash: Buffer;
}

/** Below any UTC ms a record can carry. */
const NO_LOWER_BOUND = -Number.MAX_SAFE_INTEGER;
/** Acquisitions read per step while collecting readings of one channel. */
const READINGS_PAGE = 500;

export class JournalQueries {
  readonly #recentByDevice: Stmt;
  readonly #recentAll: Stmt;
  readonly #recentEvents: Stmt;
  readonly #recentEventsNoSeals: Stmt;
  readonly #range: Stmt;
  readonly #first: Stmt;
  readonly #last: Stmt;
  readonly #bySeq: Stmt;
  readonly #hashAt: Stmt;
  readonly #db: SqliteDb;
  readonly #bodies: AcquisitionBodies;

  constructor(db: SqliteDb, bodies: AcquisitionBodies) {
    this.#db = db;
    this.#bodies = bodies;
    const cols = 'SELECT seq, kind, time, device, body, hash FROM records';
    // The literal `kind = 1` / `kind <> 1` terms are what let SQLite use the partial indexes.
    this.#recentByDevice = db.prepare(
      `${cols} WHERE kind = ${KIND_CODE.acquisition} AND device = ? AND time >= ? AND (time < ? OR (time = ? AND seq < ?)) ORDER BY time DESC, seq DESC LIMIT ?`,
    );
    this.#recentAll = db.prepare(`${cols} WHERE seq < ? AND kind = ${KIND_CODE.acquisition} AND time >= ? ORDER BY seq DESC LIMIT ?`);
    this.#recentEvents = db.prepare(`${cols} WHERE kind <> ${KIND_CODE.acquisition} AND time >= ? ORDER BY time DESC, seq DESC LIMIT ?`);
    this.#recentEventsNoSeals = db.prepare(
      `${cols} WHERE kind <> ${KIND_CODE.acquisition} AND kind = ${KIND_CODE.event} AND time >= ? ORDER BY time DESC, seq DESC LIMIT ?`,
    );
    this.#range = db.prepare(`${cols} WHERE seq >= ? ORDER BY seq LIMIT ?`);
    this.#first = db.prepare('SELECT MIN(seq) FROM records').pluck();
    this.#last = db.prepare('SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1');
    this.#bySeq = db.prepare(`${cols} WHERE seq = ?`);
    this.#hashAt = db.prepare('SELECT hash FROM records WHERE seq = ?').pluck();
  }

  /** Acquisition records newest first (see the contract); `before` pages on (time, seq). */
  recentAcquisitions(filter: Omit<RecentFilter, 'channel'>, before?: { time: number; seq: number }): JournalRecord[] {
    const limit = checkLimit(filter.limit);
    const since = filter.since ?? NO_LOWER_BOUND;
    const rows =
      filter.device !== undefined
        ? this.#recentByDevice.all(filter.device, since, before?.time ?? Number.MAX_VALUE, before?.time ?? Number.MAX_VALUE, before?.seq ?? Number.MAX_SAFE_INTEGER, limit)
        : this.#recentAll.all(before?.seq ?? Number.MAX_SAFE_INTEGER, since, limit);
    return this.#stored(rows as Row[]).map((r) => r.record);
  }

  /** Channel readings newest first, at most `limit`. */
  recentReadings(filter: RecentFilter): RecordReading[] {
    const limit = checkLimit(filter.limit);
    const out: RecordReading[] = [];
    let before: { time: number; seq: number } | undefined;
    while (out.length < limit) {
      const page = this.recentAcquisitions({ ...filter, limit: READINGS_PAGE }, before);
      for (const record of page) {
        const readings = readingsOf(record, filter.channel);
        for (const r of readings) if (out.length < limit) out.push(r);
      }
      if (page.length < READINGS_PAGE) break;
      const last = page[page.length - 1]!;
      before = { time: last.time, seq: last.seq };
    }
    return out;
  }

  /** Events and seals (only events with `seals: false`), newest first by their time. */
  recentEvents(filter: { since?: number; limit: number; seals?: boolean }): JournalRecord[] {
    const stmt = filter.seals === false ? this.#recentEventsNoSeals : this.#recentEvents;
    return this.#stored(stmt.all(filter.since ?? NO_LOWER_BOUND, checkLimit(filter.limit)) as Row[]).map((r) => r.record);
  }

  range(fromSeq: number, limit: number): StoredRecord[] {
    if (!Number.isFinite(fromSeq)) throw new RangeError(`fromSeq must be a finite number, got ${fromSeq}`);
    // One row more, the one before `fromSeq`: a short first row then finds its prevHash in the same
    // snapshot (export and a sink behind the tail page while retention may delete the oldest).
    const from = Math.ceil(fromSeq);
    const rows = this.#range.all(from - 1, checkLimit(limit) + 1) as Row[];
    return rows.length > 0 && rows[0]!.seq < from ? this.#stored(rows, 1) : this.#stored(rows.slice(0, limit));
  }

  record(seq: number): StoredRecord | undefined {
    const row = this.#bySeq.get(seq) as Row | undefined;
    return row === undefined ? undefined : this.#stored([row])[0];
  }

  firstSeq(): number | null {
    return (this.#first.get() as number | null | undefined) ?? null;
  }

  /** The last record retention or the disk cap deleted (the first remaining record's prevHash), if any. */
  anchor(): { seq: number; hash: string } | null {
    const seq = readMeta(this.#db, 'anchor_seq');
    const hash = readMeta(this.#db, 'anchor_hash');
    return seq === undefined || hash === undefined ? null : { seq: Number(seq), hash };
  }

  /** The newest stored record's seq and hash, if any. */
  last(): { seq: number; hash: string } | undefined {
    const row = this.#last.get() as { seq: number; hash: Buffer } | undefined;
    return row === undefined ? undefined : { seq: row.seq, hash: row.hash.toString('hex') };
  }

  /** Rows (from index `from`) as records, short bodies made whole; a row's neighbours in `rows`
   *  (either order) give its prevHash when one of them is the record before it. */
  #stored(rows: Row[], from = 0): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (let i = from; i < rows.length; i++) {
      const row = rows[i]!;
      let body = row.body;
      if (row.kind === KIND_CODE.acquisition && row.device !== null && isShortBody(body)) {
        const before = rows[i - 1]?.seq === row.seq - 1 ? rows[i - 1] : rows[i + 1]?.seq === row.seq - 1 ? rows[i + 1] : undefined;
        const prevHash = before !== undefined ? before.hash.toString('hex') : this.#hashBefore(row.seq);
        body = this.#bodies.expand(body, row.device, prevHash, row.seq, row.time);
      }
      out.push(new StoredRecord(row.seq, kindOfCode(row.kind), row.time, body, row.hash.toString('hex')));
    }
    return out;
  }

  /** The hash of the record before `seq`: its row, the retention anchor, or '' for the first. */
  #hashBefore(seq: number): string {
    const hash = this.#hashAt.get(seq - 1) as Buffer | undefined;
    if (hash !== undefined) return hash.toString('hex');
    const anchor = this.anchor();
    if (anchor?.seq === seq - 1) return anchor.hash;
    if (seq === 1) return '';
    throw new Error(`journal: record ${seq - 1}, the one before ${seq}, is missing, so record ${seq} cannot be read whole`);
  }
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}
