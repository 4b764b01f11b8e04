/**
 * Read-side queries over the journal file, each a prepared statement.
 *
 * Contract:
 * - Every query returns records exactly as they were hashed (parsed from `records.body`), so a
 *   caller can re-hash them and compare with `hash`.
 * - `recentReadings` is newest first by reading time (ties: higher seq first), optionally filtered
 *   by device, channel and a lower time bound; each filter combination has an index whose order is
 *   the query's order, so the cost is that of `limit` rows however large the journal is.
 * - `range(fromSeq, limit)` is seq order from `fromSeq` inclusive (sinks and export page with it).
 */
import type { JournalRecord } from '../core/types.js';
import type { SqliteDb, Stmt } from './schema.js';

export interface RecentFilter {
  device?: string;
  channel?: string;
  /** Lower bound on the record's time, UTC ms, inclusive. */
  since?: number;
  limit: number;
}

/** Below any UTC ms a record can carry. */
const NO_LOWER_BOUND = -Number.MAX_SAFE_INTEGER;

export class JournalQueries {
  readonly #recent: Record<'all' | 'device' | 'channel' | 'both', Stmt>;
  readonly #recentEvents: Stmt;
  readonly #recentEventsNoSeals: Stmt;
  readonly #range: Stmt;
  readonly #first: Stmt;
  readonly #last: Stmt;
  readonly #bySeq: Stmt;

  constructor(db: SqliteDb) {
    const sel = 'SELECT body FROM records WHERE';
    const order = 'ORDER BY time DESC, seq DESC LIMIT ?';
    this.#recent = {
      all: db.prepare(`${sel} kind = 'reading' AND time >= ? ${order}`).pluck(),
      device: db.prepare(`${sel} kind = 'reading' AND device = ? AND time >= ? ${order}`).pluck(),
      // Channel names are per device; without a device the (kind, time) index plus a filter serves.
      channel: db.prepare(`${sel} kind = 'reading' AND channel = ? AND time >= ? ${order}`).pluck(),
      both: db.prepare(`${sel} kind = 'reading' AND device = ? AND channel = ? AND time >= ? ${order}`).pluck(),
    };
    this.#recentEvents = db.prepare(`${sel} kind IN ('event', 'seal') AND time >= ? ${order}`).pluck();
    this.#recentEventsNoSeals = db.prepare(`${sel} kind = 'event' AND time >= ? ${order}`).pluck();
    this.#range = db.prepare('SELECT body FROM records WHERE seq >= ? ORDER BY seq LIMIT ?').pluck();
    this.#first = db.prepare('SELECT MIN(seq) FROM records').pluck();
    this.#last = db.prepare('SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1');
    this.#bySeq = db.prepare('SELECT body FROM records WHERE seq = ?').pluck();
  }

  recentReadings(filter: RecentFilter): JournalRecord[] {
    const limit = checkLimit(filter.limit);
    const since = filter.since ?? NO_LOWER_BOUND;
    const { device, channel } = filter;
    let bodies: unknown[];
    if (device !== undefined && channel !== undefined) bodies = this.#recent.both.all(device, channel, since, limit);
    else if (device !== undefined) bodies = this.#recent.device.all(device, since, limit);
    else if (channel !== undefined) bodies = this.#recent.channel.all(channel, since, limit);
    else bodies = this.#recent.all.all(since, limit);
    return bodies.map(parse);
  }

  /** Events and seals (only events with `seals: false`), newest first by their time. */
  recentEvents(filter: { since?: number; limit: number; seals?: boolean }): JournalRecord[] {
    const stmt = filter.seals === false ? this.#recentEventsNoSeals : this.#recentEvents;
    return stmt.all(filter.since ?? NO_LOWER_BOUND, checkLimit(filter.limit)).map(parse);
  }

  range(fromSeq: number, limit: number): JournalRecord[] {
    if (!Number.isFinite(fromSeq)) throw new RangeError(`fromSeq must be a finite number, got ${fromSeq}`);
    return this.#range.all(Math.ceil(fromSeq), checkLimit(limit)).map(parse);
  }

  record(seq: number): JournalRecord | undefined {
    const body = this.#bySeq.get(seq);
    return body === undefined ? undefined : parse(body);
  }

  firstSeq(): number | null {
    return (this.#first.get() as number | null | undefined) ?? null;
  }

  /** The newest stored record's seq and hash, if any. */
  last(): { seq: number; hash: string } | undefined {
    return this.#last.get() as { seq: number; hash: string } | undefined;
  }
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}

function parse(body: unknown): JournalRecord {
  return JSON.parse(body as string) as JournalRecord;
}
