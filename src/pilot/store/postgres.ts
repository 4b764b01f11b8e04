/**
 * The pilot's store in PostgreSQL (`pg`): one state that several receivers and the page share.
 *
 * Contract (beyond store/types.ts):
 * - The tables live in their own schema (`store.schema`, one per comparison), created on `init`
 *   under an advisory lock, so receivers that start together do not race on CREATE TABLE.
 * - Every statement of a transaction works on whole batches (arrays through `unnest`), so a
 *   batch costs a fixed number of round trips, not one per record.
 * - `lockProgress` takes the gateways' rows FOR UPDATE in gateway order: two receivers that touch
 *   the same gateways wait for each other instead of deadlocking. A transaction that fails with a
 *   deadlock or serialization error anyway is retried (up to 5 times), since it is idempotent.
 * - 64-bit integers are read as JavaScript numbers (seqs and ms times stay below 2^53).
 */
import pg from 'pg';
import { keyOf, type Arrival, type Progress, type RejectedRow } from '../types.js';
import { CHAIN_COLUMNS, EVENT_COLUMNS, PROGRESS_COLUMNS, READING_COLUMNS, REJECTED_COLUMNS, chainRowOf, eventOf, holes, progressOf, readingOf, rejectedOf, statusOf } from './rows.js';
import { schemaStatements, type Key, type PilotStore, type StatusRow, type StoreTx } from './types.js';

type Row = Record<string, unknown>;
type Queryable = Pick<pg.PoolClient, 'query'>;

const INT8 = 20;
const RETRYABLE = new Set(['40P01', '40001']);

export class PostgresStore implements PilotStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(url: string, readonly schema = 'travelgate_pilot') {
    this.#pool = new pg.Pool({
      connectionString: url,
      max: 4,
      options: `-c search_path=${schema}`,
      types: { getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
    });
    this.#pool.on('error', () => undefined); // an idle client lost: the next query reconnects
  }

  async init(gateways: readonly { id: string; lab: string }[]): Promise<void> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('travelgate pilot schema'))");
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      for (const sql of schemaStatements('postgres')) await c.query(sql);
      await c.query(
        `INSERT INTO progress (gateway, lab) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (gateway) DO UPDATE SET lab = excluded.lab`,
        [gateways.map((g) => g.id), gateways.map((g) => g.lab)],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.#pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(new PgTx(c));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        if (attempt < 5 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      } finally {
        c.release();
      }
    }
  }

  async #all(sql: string, args: unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query(sql, args)).rows as Row[];
  }

  async progress(): Promise<Progress[]> {
    return (await this.#all(`SELECT ${PROGRESS_COLUMNS} FROM progress ORDER BY gateway`)).map(progressOf);
  }

  async missing(gateway: string, above: number, head: number) {
    if (head <= above) return [];
    const starts = await this.#all(
      'SELECT seq, prev FROM (SELECT seq, LAG(seq) OVER (ORDER BY seq) AS prev FROM records WHERE gateway = $1 AND seq > $2) t WHERE prev IS NULL OR seq > prev + 1',
      [gateway, above],
    );
    return holes(above, starts as { seq: unknown; prev: unknown }[]);
  }

  async oldestAbove(gateway: string, above: number) {
    const [row] = await this.#all('SELECT time FROM records WHERE gateway = $1 AND seq > $2 ORDER BY seq LIMIT 1', [gateway, above]);
    return row ? Number(row.time) : null;
  }

  async rejectedCounts() {
    return (await this.#all('SELECT gateway, code, count(*)::int AS count FROM rejected GROUP BY gateway, code')).map((r) => ({
      gateway: r.gateway === null ? null : String(r.gateway),
      code: String(r.code) as RejectedRow['code'],
      count: Number(r.count),
    }));
  }

  async rejected(options: { gateways?: readonly string[]; limit: number }) {
    const rows = options.gateways
      ? await this.#all(`SELECT ${REJECTED_COLUMNS} FROM rejected WHERE gateway = ANY($1) ORDER BY id DESC LIMIT $2`, [options.gateways, options.limit])
      : await this.#all(`SELECT ${REJECTED_COLUMNS} FROM rejected ORDER BY id DESC LIMIT $1`, [options.limit]);
    return rows.map(rejectedOf);
  }

  async verifiedReadings(standard: string, labs?: readonly string[]) {
    const sql = `SELECT ${READING_COLUMNS} FROM readings r JOIN progress p ON p.gateway = r.gateway
      WHERE r.standard = $1 AND r.verified AND r.seq <= p.verified_through ${labs ? 'AND r.lab = ANY($2)' : ''} ORDER BY r.time`;
    return (await this.#all(sql, labs ? [standard, labs] : [standard])).map(readingOf);
  }

  async verifiedEvents(types: readonly string[], labs?: readonly string[]) {
    const sql = `SELECT ${EVENT_COLUMNS} FROM events e JOIN progress p ON p.gateway = e.gateway
      WHERE e.type = ANY($1) AND e.seq <= p.verified_through ${labs ? 'AND e.lab = ANY($2)' : ''} ORDER BY e.time, e.gateway, e.seq`;
    return (await this.#all(sql, labs ? [types, labs] : [types])).map(eventOf);
  }

  async statuses(): Promise<StatusRow[]> {
    return (await this.#all('SELECT gateway, state, time, received_at FROM status ORDER BY gateway')).map(statusOf);
  }

  async recordBodies(gateway: string, fromSeq: number, limit: number) {
    return (await this.#all('SELECT seq, body FROM records WHERE gateway = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [gateway, fromSeq, limit])).map((r) => ({
      seq: Number(r.seq),
      body: String(r.body),
    }));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

const keyArrays = (keys: readonly Key[]) => [keys.map((k) => k.gateway), keys.map((k) => k.seq)];

/** One transaction's statements on its own client. */
class PgTx implements StoreTx {
  constructor(private readonly c: Queryable) {}

  async #all(sql: string, args: unknown[]): Promise<Row[]> {
    return (await this.c.query(sql, args)).rows as Row[];
  }

  async lockProgress(gateways: readonly string[]) {
    const rows = await this.#all(`SELECT ${PROGRESS_COLUMNS} FROM progress WHERE gateway = ANY($1) ORDER BY gateway FOR UPDATE`, [gateways]);
    return new Map(rows.map((r) => [String(r.gateway), progressOf(r)]));
  }

  async insertRecords(rows: readonly Arrival[]) {
    if (rows.length === 0) return new Set<string>();
    const col = <T>(f: (a: Arrival) => T) => rows.map(f);
    const done = await this.#all(
      `INSERT INTO records (gateway, seq, kind, time, hash, prev_hash, head_seq, head_hash, pinned, received_at, body)
       SELECT g, s, k, t, h, ph, hs, hh, false, $9, b FROM unnest($1::text[], $2::bigint[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::bigint[], $8::text[], $10::text[])
         AS x(g, s, k, t, h, ph, hs, hh, b)
       ON CONFLICT DO NOTHING RETURNING gateway, seq`,
      [col((a) => a.gateway), col((a) => a.seq), col((a) => a.kind), col((a) => a.time), col((a) => a.hash), col((a) => a.prevHash), col((a) => a.headSeq), col((a) => a.headHash), Date.now(), col((a) => a.body)],
    );
    const inserted = new Set(done.map((r) => keyOf(String(r.gateway), Number(r.seq))));
    const fresh = rows.filter((a) => inserted.has(keyOf(a.gateway, a.seq)));
    const readings = fresh.flatMap((a) => a.readings);
    if (readings.length > 0) {
      const rc = <T>(f: (r: (typeof readings)[number]) => T) => readings.map(f);
      await this.c.query(
        `INSERT INTO readings (gateway, seq, standard, lab, time, value, u, unit, verified)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::boolean[]) ON CONFLICT DO NOTHING`,
        [rc((r) => r.gateway), rc((r) => r.seq), rc((r) => r.standard), rc((r) => r.lab), rc((r) => r.time), rc((r) => r.value), rc((r) => r.u), rc((r) => r.unit), rc((r) => r.verified)],
      );
    }
    const events = fresh.flatMap((a) => (a.event ? [a.event] : []));
    if (events.length > 0) {
      const ec = <T>(f: (e: (typeof events)[number]) => T) => events.map(f);
      await this.c.query(
        `INSERT INTO events (gateway, seq, lab, time, type, standard, severity, message, data)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) ON CONFLICT DO NOTHING`,
        [ec((e) => e.gateway), ec((e) => e.seq), ec((e) => e.lab), ec((e) => e.time), ec((e) => e.type), ec((e) => e.standard), ec((e) => e.severity), ec((e) => e.message), ec((e) => e.data)],
      );
    }
    return inserted;
  }

  async hashesAt(keys: readonly Key[]) {
    const rows = await this.#all('SELECT r.gateway, r.seq, r.hash FROM records r JOIN unnest($1::text[], $2::bigint[]) AS k(g, s) ON r.gateway = k.g AND r.seq = k.s', keyArrays(keys));
    return new Map(rows.map((r) => [keyOf(String(r.gateway), Number(r.seq)), String(r.hash)]));
  }

  async insertRejected(rows: readonly RejectedRow[]) {
    if (rows.length === 0) return;
    const col = <T>(f: (r: RejectedRow) => T) => rows.map(f);
    await this.c.query(
      `INSERT INTO rejected (digest, gateway, seq, lab, code, reason, hash, body, received_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[]) ON CONFLICT (digest) DO NOTHING`,
      [col((r) => r.digest), col((r) => r.gateway), col((r) => r.seq), col((r) => r.lab), col((r) => r.code), col((r) => r.reason), col((r) => r.hash), col((r) => r.body), col((r) => r.receivedAt)],
    );
  }

  async unpinnedAbove(from: readonly { gateway: string; above: number }[]) {
    const rows = await this.#all(
      `SELECT ${CHAIN_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')} FROM unnest($1::text[], $2::bigint[]) AS f(g, a)
       JOIN records r ON r.gateway = f.g AND r.seq > f.a WHERE r.pinned = false`,
      [from.map((f) => f.gateway), from.map((f) => f.above)],
    );
    return rows.map(chainRowOf);
  }

  async rowsAt(keys: readonly Key[]) {
    if (keys.length === 0) return [];
    const rows = await this.#all(
      `SELECT ${CHAIN_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')} FROM records r JOIN unnest($1::text[], $2::bigint[]) AS k(g, s) ON r.gateway = k.g AND r.seq = k.s`,
      keyArrays(keys),
    );
    return rows.map(chainRowOf);
  }

  async sealsNaming(keys: readonly Key[]) {
    if (keys.length === 0) return [];
    const rows = await this.#all(
      'SELECT r.gateway, r.head_seq, r.head_hash FROM records r JOIN unnest($1::text[], $2::bigint[]) AS k(g, s) ON r.gateway = k.g AND r.head_seq = k.s',
      keyArrays(keys),
    );
    return rows.map((r) => ({ gateway: String(r.gateway), headSeq: Number(r.head_seq), headHash: String(r.head_hash) }));
  }

  async conflictCandidate(gateway: string, seq: number, hash: string) {
    const [row] = await this.#all("SELECT digest, body FROM rejected WHERE gateway = $1 AND seq = $2 AND hash = $3 AND code = 'conflict' LIMIT 1", [gateway, seq, hash]);
    return row ? { digest: String(row.digest), body: String(row.body) } : undefined;
  }

  async deleteRejected(digests: readonly string[]) {
    await this.c.query('DELETE FROM rejected WHERE digest = ANY($1)', [digests]);
  }

  async pin(keys: readonly Key[]) {
    await this.c.query('UPDATE records r SET pinned = true FROM unnest($1::text[], $2::bigint[]) AS k(g, s) WHERE r.gateway = k.g AND r.seq = k.s', keyArrays(keys));
  }

  async removeRecords(keys: readonly Key[]) {
    const rows = await this.#all(
      'DELETE FROM records r USING unnest($1::text[], $2::bigint[]) AS k(g, s) WHERE r.gateway = k.g AND r.seq = k.s RETURNING r.gateway, r.seq, r.body',
      keyArrays(keys),
    );
    for (const t of ['readings', 'events']) {
      await this.c.query(`DELETE FROM ${t} x USING unnest($1::text[], $2::bigint[]) AS k(g, s) WHERE x.gateway = k.g AND x.seq = k.s`, keyArrays(keys));
    }
    return new Map(rows.map((r) => [keyOf(String(r.gateway), Number(r.seq)), String(r.body)]));
  }

  async pinnedRunEnd(gateway: string, from: number) {
    const [row] = await this.#all(
      `SELECT r.seq, r.hash FROM records r WHERE r.gateway = $1 AND r.seq >= $2 AND r.pinned
       AND NOT EXISTS (SELECT 1 FROM records n WHERE n.gateway = r.gateway AND n.seq = r.seq + 1 AND n.pinned) ORDER BY r.seq LIMIT 1`,
      [gateway, from],
    );
    if (!row) throw new Error(`no pinned run at ${gateway} seq ${from}`);
    return { seq: Number(row.seq), hash: String(row.hash) };
  }

  async saveProgress(rows: readonly Progress[]) {
    const col = <T>(f: (p: Progress) => T) => rows.map(f);
    await this.c.query(
      `UPDATE progress p SET verified_through = x.v, verified_hash = x.vh, records = x.n, duplicates = x.d, head_seq = x.hs, head_time = x.ht,
         head_received_at = x.hr, gaps = x.gp, updated_at = x.u
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::float8[], $8::bigint[], $9::text[], $10::bigint[])
         AS x(g, v, vh, n, d, hs, ht, hr, gp, u)
       WHERE p.gateway = x.g`,
      [col((p) => p.gateway), col((p) => p.verifiedThrough), col((p) => p.verifiedHash), col((p) => p.records), col((p) => p.duplicates), col((p) => p.headSeq), col((p) => p.headTime), col((p) => p.headReceivedAt), col((p) => JSON.stringify(p.gaps)), col((p) => p.updatedAt)],
    );
  }

  async saveStatus(rows: readonly StatusRow[]) {
    for (const s of rows) {
      await this.c.query(
        `INSERT INTO status (gateway, state, time, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (gateway) DO UPDATE SET state = excluded.state, time = excluded.time, received_at = excluded.received_at WHERE excluded.time >= status.time`,
        [s.gateway, s.state, s.time, s.receivedAt],
      );
    }
  }
}
