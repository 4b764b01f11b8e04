/**
 * The pilot's store in one SQLite file (better-sqlite3, WAL): the default for one receiver.
 *
 * Contract (beyond store/types.ts):
 * - One connection writes, inside `BEGIN IMMEDIATE … COMMIT`; transactions are queued one after
 *   the other. A second, read-only connection answers the API, so a long read never waits for a
 *   write and never sees one half done.
 * - `synchronous = NORMAL` in WAL mode: a committed transaction survives the process being killed
 *   (SIGKILL); a power loss may lose the last transactions, as with any WAL database without a
 *   sync per commit.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyOf, type Arrival, type Progress, type RejectedRow } from '../types.js';
import { CHAIN_COLUMNS, EVENT_COLUMNS, PROGRESS_COLUMNS, READING_COLUMNS, REJECTED_COLUMNS, chainRowOf, eventOf, holes, progressOf, readingOf, rejectedOf, statusOf } from './rows.js';
import { schemaStatements, type Key, type PilotStore, type Probe, type SeqRange, type StatusRow, type StoreTx } from './types.js';

type Db = Database.Database;
type Row = Record<string, unknown>;

export class SqliteStore implements PilotStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Db;
  #reader: Db | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #tx: SqliteTx | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
  }

  async init(gateways: readonly { id: string; lab: string }[]): Promise<void> {
    for (const sql of schemaStatements('sqlite')) this.#db.exec(sql);
    const add = this.#db.prepare('INSERT INTO progress (gateway, lab) VALUES (?, ?) ON CONFLICT (gateway) DO UPDATE SET lab = excluded.lab');
    this.#db.transaction(() => {
      for (const g of gateways) add.run(g.id, g.lab);
    })();
    this.#tx = new SqliteTx(this.#db);
    this.#reader = new Database(this.path, { readonly: true });
    this.#reader.pragma('busy_timeout = 5000');
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const tx = this.#tx;
      if (!tx) throw new Error('the store is not initialised');
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(tx);
        this.#db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #read(): Db {
    if (!this.#reader) throw new Error('the store is not initialised');
    return this.#reader;
  }

  async progress(): Promise<Progress[]> {
    return (this.#read().prepare(`SELECT ${PROGRESS_COLUMNS} FROM progress ORDER BY gateway`).all() as Row[]).map(progressOf);
  }

  async completeness(gateways: readonly { gateway: string; above: number }[], limit = 100) {
    const db = this.#read();
    const starts = db.prepare(
      'SELECT seq, prev FROM (SELECT seq, LAG(seq) OVER (ORDER BY seq) AS prev FROM records WHERE gateway = ? AND seq > ?) WHERE prev IS NULL OR seq > prev + 1 ORDER BY seq LIMIT ?',
    );
    const oldest = db.prepare('SELECT time FROM records WHERE gateway = ? AND seq > ? ORDER BY seq LIMIT 1');
    const out = new Map<string, { missing: SeqRange[]; oldest: number | null }>();
    for (const g of gateways) {
      const rows = starts.all(g.gateway, g.above, limit + 1) as { seq: number; prev: number | null }[];
      const first = oldest.get(g.gateway, g.above) as { time: number } | undefined;
      out.set(g.gateway, { missing: holes(g.above, rows).slice(0, limit), oldest: first?.time ?? null });
    }
    return out;
  }

  async rejectedCounts() {
    return (this.#read().prepare('SELECT gateway, code, count(*) AS count FROM rejected GROUP BY gateway, code').all() as Row[]).map((r) => ({
      gateway: r.gateway === null ? null : String(r.gateway),
      code: String(r.code) as RejectedRow['code'],
      count: Number(r.count),
    }));
  }

  async rejected(options: { gateways?: readonly string[]; limit: number }) {
    const filter = options.gateways ? 'WHERE gateway IN (SELECT value FROM json_each(?))' : '';
    const args: unknown[] = options.gateways ? [JSON.stringify(options.gateways)] : [];
    const rows = this.#read().prepare(`SELECT ${REJECTED_COLUMNS} FROM rejected ${filter} ORDER BY id DESC LIMIT ?`).all(...args, options.limit) as Row[];
    return rows.map(rejectedOf);
  }

  async verifiedReadings(standard: string, labs?: readonly string[]) {
    const filter = labs ? 'AND r.lab IN (SELECT value FROM json_each(?))' : '';
    const args: unknown[] = labs ? [standard, JSON.stringify(labs)] : [standard];
    const sql = `SELECT ${READING_COLUMNS} FROM readings r JOIN progress p ON p.gateway = r.gateway
      JOIN records rec ON rec.gateway = r.gateway AND rec.seq = r.seq AND rec.pinned = 1
      WHERE r.standard = ? AND r.verified = 1 AND r.seq <= p.verified_through ${filter} ORDER BY r.time`;
    return (this.#read().prepare(sql).all(...args) as Row[]).map(readingOf);
  }

  async verifiedEvents(types: readonly string[], labs?: readonly string[], options: { beyondVerified?: boolean } = {}) {
    const filter = labs ? 'AND e.lab IN (SELECT value FROM json_each(?))' : '';
    const args: unknown[] = labs ? [JSON.stringify(types), JSON.stringify(labs)] : [JSON.stringify(types)];
    const sql = `SELECT ${EVENT_COLUMNS} FROM events e JOIN progress p ON p.gateway = e.gateway
      JOIN records rec ON rec.gateway = e.gateway AND rec.seq = e.seq AND rec.pinned = 1
      WHERE e.type IN (SELECT value FROM json_each(?)) ${options.beyondVerified ? '' : 'AND e.seq <= p.verified_through'} ${filter}
      ORDER BY e.time, e.gateway, e.seq`;
    return (this.#read().prepare(sql).all(...args) as Row[]).map(eventOf);
  }

  async statuses(): Promise<StatusRow[]> {
    return (this.#read().prepare('SELECT gateway, state, time, received_at FROM status ORDER BY gateway').all() as Row[]).map(statusOf);
  }

  async recordBodies(gateway: string, fromSeq: number, limit: number) {
    return this.#read().prepare('SELECT seq, body FROM records WHERE gateway = ? AND seq >= ? ORDER BY seq LIMIT ?').all(gateway, fromSeq, limit) as { seq: number; body: string }[];
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#reader?.close();
    this.#db.close();
  }
}

/** The statements of one write transaction; every method runs synchronously underneath. */
class SqliteTx implements StoreTx {
  readonly #s;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      progress: p(`SELECT ${PROGRESS_COLUMNS} FROM progress WHERE gateway = ?`),
      insert: p(`INSERT INTO records (gateway, seq, kind, time, hash, prev_hash, head_seq, head_hash, pinned, received_at, body)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING`),
      reading: p('INSERT INTO readings (gateway, seq, standard, lab, time, value, u, unit, verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      event: p('INSERT INTO events (gateway, seq, lab, time, type, standard, severity, message, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      hash: p('SELECT hash FROM records WHERE gateway = ? AND seq = ?'),
      reject: p(`INSERT INTO rejected (digest, gateway, seq, lab, code, reason, hash, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (digest) DO NOTHING`),
      unpinned: p(`SELECT ${CHAIN_COLUMNS} FROM records WHERE gateway = ? AND seq > ? AND pinned = 0`),
      row: p(`SELECT ${CHAIN_COLUMNS} FROM records WHERE gateway = ? AND seq = ?`),
      naming: p('SELECT gateway, head_seq, head_hash FROM records WHERE gateway = ? AND head_seq = ?'),
      candidate: p("SELECT digest, body FROM rejected WHERE gateway = ? AND seq = ? AND hash = ? AND code = 'conflict' LIMIT 1"),
      unreject: p('DELETE FROM rejected WHERE digest = ?'),
      pin: p('UPDATE records SET pinned = 1 WHERE gateway = ? AND seq = ?'),
      body: p('SELECT body FROM records WHERE gateway = ? AND seq = ?'),
      remove: p('DELETE FROM records WHERE gateway = ? AND seq = ?'),
      removeReadings: p('DELETE FROM readings WHERE gateway = ? AND seq = ?'),
      removeEvent: p('DELETE FROM events WHERE gateway = ? AND seq = ?'),
      runEnd: p(`SELECT r.seq, r.hash FROM records r WHERE r.gateway = ? AND r.seq >= ? AND r.pinned = 1
        AND NOT EXISTS (SELECT 1 FROM records n WHERE n.gateway = r.gateway AND n.seq = r.seq + 1 AND n.pinned = 1) ORDER BY r.seq LIMIT 1`),
      save: p(`UPDATE progress SET verified_through = ?, verified_hash = ?, records = ?, duplicates = ?, head_seq = ?, head_time = ?,
        head_received_at = ?, gaps = ?, updated_at = ? WHERE gateway = ?`),
      status: p(`INSERT INTO status (gateway, state, time, received_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (gateway) DO UPDATE SET state = excluded.state, time = excluded.time, received_at = excluded.received_at WHERE excluded.time >= status.time`),
    };
  }

  async lockProgress(gateways: readonly string[]) {
    const out = new Map<string, Progress>();
    for (const g of gateways) {
      const row = this.#s.progress.get(g) as Row | undefined;
      if (row) out.set(g, progressOf(row));
    }
    return out;
  }

  async insertRecords(rows: readonly Arrival[], unpinnedAbove: readonly { gateway: string; above: number }[] = []) {
    const inserted = new Set<string>();
    const now = Date.now();
    for (const a of rows) {
      const info = this.#s.insert.run(a.gateway, a.seq, a.kind, a.time, a.hash, a.prevHash, a.headSeq, a.headHash, now, a.body);
      if (info.changes !== 1) continue;
      inserted.add(keyOf(a.gateway, a.seq));
      for (const r of a.readings) this.#s.reading.run(r.gateway, r.seq, r.standard, r.lab, r.time, r.value, r.u, r.unit, r.verified ? 1 : 0);
      const e = a.event;
      if (e) this.#s.event.run(e.gateway, e.seq, e.lab, e.time, e.type, e.standard, e.severity, e.message, e.data);
    }
    const unpinned = unpinnedAbove.flatMap((f) => (this.#s.unpinned.all(f.gateway, f.above) as Row[]).map(chainRowOf));
    return { inserted, unpinned };
  }

  async hashesAt(keys: readonly Key[]) {
    const out = new Map<string, string>();
    for (const k of keys) {
      const row = this.#s.hash.get(k.gateway, k.seq) as { hash: string } | undefined;
      if (row) out.set(keyOf(k.gateway, k.seq), row.hash);
    }
    return out;
  }

  async insertRejected(rows: readonly RejectedRow[]) {
    for (const r of rows) this.#s.reject.run(r.digest, r.gateway, r.seq, r.lab, r.code, r.reason, r.hash, r.body, r.receivedAt);
  }

  async neighbours(at: readonly Key[], named: readonly Key[]) {
    const rows = at.flatMap((k) => {
      const row = this.#s.row.get(k.gateway, k.seq) as Row | undefined;
      return row ? [chainRowOf(row)] : [];
    });
    const seals = named.flatMap((k) =>
      (this.#s.naming.all(k.gateway, k.seq) as Row[]).map((r) => ({ gateway: String(r.gateway), headSeq: Number(r.head_seq), headHash: String(r.head_hash) })),
    );
    return { rows, seals };
  }

  async conflictCandidate(gateway: string, seq: number, hash: string) {
    return this.#s.candidate.get(gateway, seq, hash) as { digest: string; body: string } | undefined;
  }

  async deleteRejected(digests: readonly string[]) {
    for (const d of digests) this.#s.unreject.run(d);
  }

  async removeRecords(keys: readonly Key[]) {
    const out = new Map<string, string>();
    for (const k of keys) {
      const row = this.#s.body.get(k.gateway, k.seq) as { body: string } | undefined;
      if (row) out.set(keyOf(k.gateway, k.seq), row.body);
      this.#s.remove.run(k.gateway, k.seq);
      this.#s.removeReadings.run(k.gateway, k.seq);
      this.#s.removeEvent.run(k.gateway, k.seq);
    }
    return out;
  }

  async probe(keys: readonly Key[]) {
    const out = new Map<string, Probe>();
    for (const k of keys) {
      const row = this.#s.row.get(k.gateway, k.seq) as Row | undefined;
      if (!row) continue;
      const pinned = row.pinned === 1;
      const end = pinned ? (this.#s.runEnd.get(k.gateway, k.seq) as { seq: number; hash: string } | undefined) : undefined;
      out.set(keyOf(k.gateway, k.seq), { pinned, runEnd: end ? { seq: Number(end.seq), hash: end.hash } : null });
    }
    return out;
  }

  async finish(outcome: { pins: readonly Key[]; progress: readonly Progress[]; statuses: readonly StatusRow[] }) {
    for (const k of outcome.pins) this.#s.pin.run(k.gateway, k.seq);
    for (const p of outcome.progress) {
      this.#s.save.run(p.verifiedThrough, p.verifiedHash, p.records, p.duplicates, p.headSeq, p.headTime, p.headReceivedAt, JSON.stringify(p.gaps), p.updatedAt, p.gateway);
    }
    for (const s of outcome.statuses) this.#s.status.run(s.gateway, s.state, s.time, s.receivedAt);
  }
}
