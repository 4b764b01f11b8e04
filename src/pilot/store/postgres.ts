/**
 * The pilot's store in PostgreSQL (`pg`): one state that several receivers and the page share.
 *
 * Contract (beyond store/types.ts):
 * - The tables live in their own schema (`store.schema`, one per comparison), created on `init`
 *   under an advisory lock, so receivers that start together do not race on CREATE TABLE.
 * - Every statement of a transaction works on whole batches (postgres-tx.ts), so a batch costs a
 *   fixed number of round trips, not one per record or per gateway.
 * - `lockProgress` takes the gateways' rows FOR UPDATE in gateway order: two receivers that touch
 *   the same gateways wait for each other instead of deadlocking. A transaction that fails with a
 *   deadlock or serialization error anyway is retried (up to 5 times), since it is idempotent.
 * - 64-bit integers are read as JavaScript numbers (seqs and ms times stay below 2^53).
 */
import pg from 'pg';
import type { Progress, RejectedRow } from '../types.js';
import { PgTx } from './postgres-tx.js';
import { EVENT_COLUMNS, PROGRESS_COLUMNS, READING_COLUMNS, REJECTED_COLUMNS, eventOf, holes, progressOf, readingOf, rejectedOf, statusOf } from './rows.js';
import { schemaStatements, type PilotStore, type SeqRange, type StatusRow, type StoreTx } from './types.js';

type Row = Record<string, unknown>;

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

  async completeness(gateways: readonly { gateway: string; above: number }[], limit = 100) {
    const arg = JSON.stringify(gateways);
    const [starts, oldest] = await Promise.all([
      this.#all(
        `SELECT f.gateway, m.seq, m.prev FROM json_to_recordset($1::json) AS f(gateway text, above bigint)
         CROSS JOIN LATERAL (SELECT seq, prev FROM (SELECT seq, LAG(seq) OVER (ORDER BY seq) AS prev FROM records WHERE gateway = f.gateway AND seq > f.above) t
           WHERE prev IS NULL OR seq > prev + 1 ORDER BY seq LIMIT $2) m`,
        [arg, limit + 1],
      ),
      this.#all(
        `SELECT f.gateway, o.time FROM json_to_recordset($1::json) AS f(gateway text, above bigint)
         CROSS JOIN LATERAL (SELECT time FROM records WHERE gateway = f.gateway AND seq > f.above ORDER BY seq LIMIT 1) o`,
        [arg],
      ),
    ]);
    const out = new Map<string, { missing: SeqRange[]; oldest: number | null }>();
    for (const g of gateways) {
      const rows = starts.filter((r) => r.gateway === g.gateway);
      const first = oldest.find((r) => r.gateway === g.gateway);
      out.set(g.gateway, { missing: holes(g.above, rows as { seq: unknown; prev: unknown }[]).slice(0, limit), oldest: first ? Number(first.time) : null });
    }
    return out;
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
      JOIN records rec ON rec.gateway = r.gateway AND rec.seq = r.seq AND rec.pinned
      WHERE r.standard = $1 AND r.verified AND r.seq <= p.verified_through ${labs ? 'AND r.lab = ANY($2)' : ''} ORDER BY r.time`;
    return (await this.#all(sql, labs ? [standard, labs] : [standard])).map(readingOf);
  }

  async verifiedEvents(types: readonly string[], labs?: readonly string[], options: { beyondVerified?: boolean } = {}) {
    const sql = `SELECT ${EVENT_COLUMNS} FROM events e JOIN progress p ON p.gateway = e.gateway
      JOIN records rec ON rec.gateway = e.gateway AND rec.seq = e.seq AND rec.pinned
      WHERE e.type = ANY($1) ${options.beyondVerified ? '' : 'AND e.seq <= p.verified_through'} ${labs ? 'AND e.lab = ANY($2)' : ''}
      ORDER BY e.time, e.gateway, e.seq`;
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
