/**
 * One PostgreSQL transaction of the pilot's store: the statements of `StoreTx` on one client.
 *
 * Contract (beyond store/types.ts):
 * - Every statement takes a whole batch as one JSON parameter, expanded by `json_to_recordset`:
 *   JSON.stringify is native and PostgreSQL parses JSON fast, where text arrays of record bodies
 *   would be escaped element by element in JavaScript. Numbers keep their value exactly (JSON
 *   numbers are the shortest round-trip form of a double).
 * - A batch costs a fixed number of round trips whatever its size: the records with their
 *   readings and events and the unpinned records above V are one statement (data-modifying CTEs;
 *   the SELECT part sees the rows as they were before the statement, so the records it inserted
 *   are added from the batch itself); the neighbours of waiting records are one; the outcome (pins,
 *   progress, statuses) is one.
 */
import type pg from 'pg';
import { keyOf, type Arrival, type ChainRow, type Progress, type RejectedRow } from '../types.js';
import { CHAIN_COLUMNS, PROGRESS_COLUMNS, chainRowOf, progressOf } from './rows.js';
import type { Key, Probe, StatusRow, StoreTx } from './types.js';

type Row = Record<string, unknown>;
type Queryable = Pick<pg.PoolClient, 'query'>;

const CHAIN_R = CHAIN_COLUMNS.split(', ')
  .map((c) => `r.${c}`)
  .join(', ');
const json = (rows: readonly object[]) => JSON.stringify(rows);
const keysJson = (keys: readonly Key[]) => json(keys.map((k) => ({ gateway: k.gateway, seq: k.seq })));
const KEYS = 'json_to_recordset($1::json) AS k(gateway text, seq bigint)';

export class PgTx implements StoreTx {
  constructor(private readonly c: Queryable) {}

  async #all(sql: string, args: unknown[]): Promise<Row[]> {
    return (await this.c.query(sql, args)).rows as Row[];
  }

  async lockProgress(gateways: readonly string[]) {
    const rows = await this.#all(`SELECT ${PROGRESS_COLUMNS} FROM progress WHERE gateway = ANY($1) ORDER BY gateway FOR UPDATE`, [gateways]);
    return new Map(rows.map((r) => [String(r.gateway), progressOf(r)]));
  }

  async insertRecords(rows: readonly Arrival[], unpinnedAbove: readonly { gateway: string; above: number }[] = []) {
    const now = Date.now();
    const records = rows.map((a) => ({ gateway: a.gateway, seq: a.seq, kind: a.kind, time: a.time, hash: a.hash, prev_hash: a.prevHash, head_seq: a.headSeq, head_hash: a.headHash, body: a.body }));
    const readings = rows.flatMap((a) => a.readings);
    const events = rows.flatMap((a) => (a.event ? [a.event] : []));
    const found = await this.#all(
      `WITH ins AS (
         INSERT INTO records (gateway, seq, kind, time, hash, prev_hash, head_seq, head_hash, pinned, received_at, body)
         SELECT x.gateway, x.seq, x.kind, x.time, x.hash, x.prev_hash, x.head_seq, x.head_hash, false, $5, x.body
           FROM json_to_recordset($1::json) AS x(gateway text, seq bigint, kind text, time float8, hash text, prev_hash text, head_seq bigint, head_hash text, body text)
         ON CONFLICT DO NOTHING RETURNING gateway, seq),
       rd AS (
         INSERT INTO readings (gateway, seq, standard, lab, time, value, u, unit, verified)
         SELECT x.gateway, x.seq, x.standard, x.lab, x.time, x.value, x.u, x.unit, x.verified
           FROM json_to_recordset($2::json) AS x(gateway text, seq bigint, standard text, lab text, time float8, value float8, u float8, unit text, verified boolean)
           JOIN ins ON ins.gateway = x.gateway AND ins.seq = x.seq
         ON CONFLICT DO NOTHING),
       ev AS (
         INSERT INTO events (gateway, seq, lab, time, type, standard, severity, message, data)
         SELECT x.gateway, x.seq, x.lab, x.time, x.type, x.standard, x.severity, x.message, x.data
           FROM json_to_recordset($3::json) AS x(gateway text, seq bigint, lab text, time float8, type text, standard text, severity text, message text, data text)
           JOIN ins ON ins.gateway = x.gateway AND ins.seq = x.seq
         ON CONFLICT DO NOTHING)
       SELECT true AS inserted, gateway, seq, NULL AS kind, NULL::float8 AS time, NULL AS hash, NULL AS prev_hash, NULL::bigint AS head_seq, NULL AS head_hash, false AS pinned FROM ins
       UNION ALL
       SELECT false, ${CHAIN_R} FROM json_to_recordset($4::json) AS f(gateway text, above bigint)
         JOIN records r ON r.gateway = f.gateway AND r.seq > f.above WHERE r.pinned = false`,
      [json(records), json(readings), json(events), json(unpinnedAbove), now],
    );
    const inserted = new Set<string>();
    const unpinned: ChainRow[] = [];
    for (const r of found) {
      if (r.inserted === true) inserted.add(keyOf(String(r.gateway), Number(r.seq)));
      else unpinned.push(chainRowOf(r));
    }
    const above = new Map(unpinnedAbove.map((f) => [f.gateway, f.above]));
    for (const a of rows) {
      const floor = above.get(a.gateway);
      if (floor !== undefined && a.seq > floor && inserted.has(keyOf(a.gateway, a.seq))) {
        unpinned.push({ gateway: a.gateway, seq: a.seq, kind: a.kind, time: a.time, hash: a.hash, prevHash: a.prevHash, headSeq: a.headSeq, headHash: a.headHash, pinned: false });
      }
    }
    return { inserted, unpinned };
  }

  async hashesAt(keys: readonly Key[]) {
    const rows = await this.#all(`SELECT r.gateway, r.seq, r.hash FROM ${KEYS} JOIN records r ON r.gateway = k.gateway AND r.seq = k.seq`, [keysJson(keys)]);
    return new Map(rows.map((r) => [keyOf(String(r.gateway), Number(r.seq)), String(r.hash)]));
  }

  async insertRejected(rows: readonly RejectedRow[]) {
    if (rows.length === 0) return;
    await this.c.query(
      `INSERT INTO rejected (digest, gateway, seq, lab, code, reason, hash, body, received_at)
       SELECT x.digest, x.gateway, x.seq, x.lab, x.code, x.reason, x.hash, x.body, x.received_at
         FROM json_to_recordset($1::json) AS x(digest text, gateway text, seq bigint, lab text, code text, reason text, hash text, body text, received_at bigint)
       ON CONFLICT (digest) DO NOTHING`,
      [json(rows.map((r) => ({ digest: r.digest, gateway: r.gateway, seq: r.seq, lab: r.lab, code: r.code, reason: r.reason, hash: r.hash, body: r.body, received_at: r.receivedAt })))],
    );
  }

  async neighbours(at: readonly Key[], named: readonly Key[]) {
    const found = await this.#all(
      `SELECT 'row' AS what, ${CHAIN_R} FROM ${KEYS} JOIN records r ON r.gateway = k.gateway AND r.seq = k.seq
       UNION ALL
       SELECT 'seal', r.gateway, r.seq, r.kind, r.time, r.hash, r.prev_hash, r.head_seq, r.head_hash, r.pinned
         FROM json_to_recordset($2::json) AS n(gateway text, seq bigint) JOIN records r ON r.gateway = n.gateway AND r.head_seq = n.seq`,
      [keysJson(at), keysJson(named)],
    );
    const rows: ChainRow[] = [];
    const seals: { gateway: string; headSeq: number; headHash: string }[] = [];
    for (const r of found) {
      if (r.what === 'row') rows.push(chainRowOf(r));
      else seals.push({ gateway: String(r.gateway), headSeq: Number(r.head_seq), headHash: String(r.head_hash) });
    }
    return { rows, seals };
  }

  async conflictCandidate(gateway: string, seq: number, hash: string) {
    const [row] = await this.#all("SELECT digest, body FROM rejected WHERE gateway = $1 AND seq = $2 AND hash = $3 AND code = 'conflict' LIMIT 1", [gateway, seq, hash]);
    return row ? { digest: String(row.digest), body: String(row.body) } : undefined;
  }

  async deleteRejected(digests: readonly string[]) {
    await this.c.query('DELETE FROM rejected WHERE digest = ANY($1)', [digests]);
  }

  async removeRecords(keys: readonly Key[]) {
    const rows = await this.#all(
      `WITH k AS (SELECT * FROM ${KEYS}),
       rd AS (DELETE FROM readings x USING k WHERE x.gateway = k.gateway AND x.seq = k.seq),
       ev AS (DELETE FROM events x USING k WHERE x.gateway = k.gateway AND x.seq = k.seq)
       DELETE FROM records r USING k WHERE r.gateway = k.gateway AND r.seq = k.seq RETURNING r.gateway, r.seq, r.body`,
      [keysJson(keys)],
    );
    return new Map(rows.map((r) => [keyOf(String(r.gateway), Number(r.seq)), String(r.body)]));
  }

  async probe(keys: readonly Key[]) {
    if (keys.length === 0) return new Map<string, Probe>();
    const rows = await this.#all(
      `SELECT r.gateway, r.seq, r.pinned, e.seq AS end_seq, e.hash AS end_hash
       FROM ${KEYS} JOIN records r ON r.gateway = k.gateway AND r.seq = k.seq
       LEFT JOIN LATERAL (
         SELECT x.seq, x.hash FROM records x WHERE r.pinned AND x.gateway = k.gateway AND x.seq >= k.seq AND x.pinned
           AND NOT EXISTS (SELECT 1 FROM records n WHERE n.gateway = x.gateway AND n.seq = x.seq + 1 AND n.pinned)
         ORDER BY x.seq LIMIT 1) e ON true`,
      [keysJson(keys)],
    );
    const out = new Map<string, Probe>();
    for (const r of rows) {
      const runEnd = r.end_seq === null || r.end_seq === undefined ? null : { seq: Number(r.end_seq), hash: String(r.end_hash) };
      out.set(keyOf(String(r.gateway), Number(r.seq)), { pinned: r.pinned === true, runEnd });
    }
    return out;
  }

  async finish(outcome: { pins: readonly Key[]; progress: readonly Progress[]; statuses: readonly StatusRow[] }) {
    const progress = outcome.progress.map((p) => ({
      gateway: p.gateway,
      v: p.verifiedThrough,
      vh: p.verifiedHash,
      n: p.records,
      d: p.duplicates,
      hs: p.headSeq,
      ht: p.headTime,
      hr: p.headReceivedAt,
      gaps: JSON.stringify(p.gaps),
      u: p.updatedAt,
    }));
    const statuses = outcome.statuses.map((s) => ({ gateway: s.gateway, state: s.state, time: s.time, received_at: s.receivedAt }));
    await this.c.query(
      `WITH pin AS (
         UPDATE records r SET pinned = true FROM ${KEYS} WHERE r.gateway = k.gateway AND r.seq = k.seq),
       prog AS (
         UPDATE progress p SET verified_through = x.v, verified_hash = x.vh, records = x.n, duplicates = x.d, head_seq = x.hs, head_time = x.ht,
           head_received_at = x.hr, gaps = x.gaps, updated_at = x.u
         FROM json_to_recordset($2::json) AS x(gateway text, v bigint, vh text, n bigint, d bigint, hs bigint, ht float8, hr bigint, gaps text, u bigint)
         WHERE p.gateway = x.gateway),
       latest AS (
         SELECT DISTINCT ON (gateway) gateway, state, time, received_at
         FROM json_to_recordset($3::json) AS s(gateway text, state text, time float8, received_at bigint) ORDER BY gateway, time DESC)
       INSERT INTO status (gateway, state, time, received_at) SELECT gateway, state, time, received_at FROM latest
       ON CONFLICT (gateway) DO UPDATE SET state = excluded.state, time = excluded.time, received_at = excluded.received_at WHERE excluded.time >= status.time`,
      [keysJson(outcome.pins), json(progress), json(statuses)],
    );
  }
}
