/**
 * One channel's readings over a time range, read from the journal file for the history plot and
 * the CSV export (history.ts), however long the range: a comparison stays weeks at one lab.
 *
 * Contract:
 * - `SqliteSeries(path)` opens its own read-only connection to the journal file on first use (WAL:
 *   it reads committed records while the gateway writes, and costs nothing until asked). It reads
 *   in pages in (time, seq) order through the journal's (device, time) index, and takes only the
 *   channel's object out of each record (SQLite's json_extract), so a page of thousands of
 *   records costs milliseconds and the caller yields to the event loop between pages.
 * - Rows are acquisitions of the device; `channel` is the channel's object as journaled (value,
 *   unit, u, flags, verdicts, verified), or null when that record has no such channel. Version 1
 *   reading records (migrated journals) are read too.
 * - `close()` closes the connection; a closed source opens again when used.
 */
import Database from 'better-sqlite3';
import type { ChannelReading } from '../core/types.js';

export interface SeriesRow {
  time: number;
  seq: number;
  channel: ChannelReading | null;
}

/** A reading reduced to what the history plot needs (no object parsed per row). */
export interface SeriesPoint {
  time: number;
  seq: number;
  value: number | null;
  verified: boolean;
  /** Quality flags set (any). */
  flagged: boolean;
}

export interface SeriesPage {
  device: string;
  channel: string;
  /** Inclusive bounds, UTC ms. */
  from: number;
  to: number;
  /** Rows after this (time, seq), exclusive; undefined: from the start of the range. */
  after?: { time: number; seq: number };
  limit: number;
}

export interface SeriesSource {
  /** The time of the device's first acquisition in the journal, or null. */
  firstTime(device: string): number | null;
  page(q: SeriesPage): SeriesRow[];
  /** The same rows reduced to value, verified and whether flagged (cheaper: the history plot). */
  points(q: SeriesPage): SeriesPoint[];
  close?(): void;
}

interface Row {
  seq: number;
  time: number;
  c: string | null;
  legacy: string | null;
}

interface PointRow {
  seq: number;
  time: number;
  v: number | null;
  ve: number | null;
  f: string | null;
  legacy: string | null;
}

/** A version 2 acquisition's canonical body starts with its first key, "channels" (keys are
 *  sorted); anything else is a version 1 reading record (a migrated journal). */
const LEGACY = `CASE WHEN substr(body, 1, 12) <> '{"channels":' THEN body END AS legacy`;
const RANGE = 'FROM records WHERE kind = 1 AND device = ? AND time >= ? AND time <= ? AND (time > ? OR seq > ?) ORDER BY time, seq LIMIT ?';

/** A JSON path to one channel of an acquisition's body, the name quoted (it may hold dots). */
function channelPath(channel: string): string {
  return `$.channels."${channel.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class SqliteSeries implements SeriesSource {
  #db: Database.Database | undefined;
  #first: Database.Statement | undefined;
  #page: Database.Statement | undefined;
  #points: Database.Statement | undefined;

  constructor(private readonly path: string) {}

  #open(): void {
    if (this.#db) return;
    const db = new Database(this.path, { readonly: true, fileMustExist: true, timeout: 5000 });
    // kind = 1 literally: what lets SQLite use the journal's partial index on (device, time).
    this.#first = db.prepare('SELECT MIN(time) FROM records WHERE kind = 1 AND device = ?').pluck();
    this.#page = db.prepare(`SELECT seq, time, json_extract(body, ?) AS c, ${LEGACY} ${RANGE}`);
    // Three scalar extractions are cheaper than the channel's object parsed in JavaScript.
    this.#points = db.prepare(
      `SELECT seq, time, json_extract(body, ?) AS v, json_extract(body, ?) AS ve, json_extract(body, ?) AS f, ${LEGACY} ${RANGE}`,
    );
    this.#db = db;
  }

  firstTime(device: string): number | null {
    this.#open();
    return (this.#first!.get(device) as number | null | undefined) ?? null;
  }

  page(q: SeriesPage): SeriesRow[] {
    this.#open();
    const rows = this.#page!.all(channelPath(q.channel), ...rangeArgs(q)) as Row[];
    return rows.map((r) => ({ time: r.time, seq: r.seq, channel: channelOf(r.c, r.legacy, q.channel) }));
  }

  points(q: SeriesPage): SeriesPoint[] {
    this.#open();
    const p = channelPath(q.channel);
    const rows = this.#points!.all(`${p}.value`, `${p}.verified`, `${p}.flags`, ...rangeArgs(q)) as PointRow[];
    return rows.map((r) => {
      if (r.legacy !== null) {
        const c = channelOf(null, r.legacy, q.channel);
        return { time: r.time, seq: r.seq, value: c?.value ?? null, verified: c?.verified === true, flagged: (c?.flags?.length ?? 0) > 0 };
      }
      return { time: r.time, seq: r.seq, value: r.v, verified: r.ve === 1, flagged: r.f !== null && r.f !== '[]' };
    });
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}

/** The bound parameters of RANGE: device, the time floor, to, and the (time, seq) to start after.
 *  Without `after`: every row from `from` on (time > from − 1 never excludes one, seq > −1 neither). */
function rangeArgs(q: SeriesPage): unknown[] {
  const floor = q.after ? Math.max(q.from, q.after.time) : q.from;
  return [q.device, floor, q.to, q.after ? q.after.time : floor - 1, q.after?.seq ?? -1, q.limit];
}

function channelOf(text: string | null, legacy: string | null, channel: string): ChannelReading | null {
  if (text !== null) return JSON.parse(text) as ChannelReading;
  if (legacy === null) return null;
  // A version 1 reading record: one channel, annotations at the top level.
  const rec = JSON.parse(legacy) as { reading?: { channel: string } & ChannelReading; verdicts?: ChannelReading['verdicts']; verified?: boolean; standard?: string };
  const rd = rec.reading;
  if (!rd || rd.channel !== channel) return null;
  const c: ChannelReading = { quantity: rd.quantity, value: rd.value, unit: rd.unit };
  if (rd.u !== undefined) c.u = rd.u;
  if (rd.flags !== undefined && rd.flags.length > 0) c.flags = rd.flags;
  if (rec.verdicts !== undefined) c.verdicts = rec.verdicts;
  if (rec.verified !== undefined) c.verified = rec.verified;
  return c;
}
