/**
 * What reached InfluxDB, counted the same way for both peers and for either travelgate schema.
 *
 * Contract:
 * - A *value* is one channel's number: a non-null field named after a channel (bare loop, and
 *   travelgate's one point per acquisition) or the field `value` (travelgate's older one point per
 *   channel value, with a `channel` tag). `SELECT COUNT(*) FROM readings` returns `count_<field>`
 *   columns; the counts of exactly those fields are summed, so seq, clock, flags, *_u, *_verdict,
 *   *_verified, *_En, *_Eb and the like are never counted.
 * - A time range is [fromMs, toMs) of the points' own time stamps (acquisition time).
 * - `deliveredSeqs` gathers the integer field `seq` of every point of every measurement (readings,
 *   events, seals, checks, whatever the schema has), read in chunks.
 */
import type { InfluxServer } from '../../test/helpers/servers/influxdb.js';
import { CHANNEL_NAMES } from './workloads.js';

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** The fields whose counts are values. */
const VALUE_FIELDS = new Set(['value', ...CHANNEL_NAMES]);

const ns = (ms: number) => `${Math.round(ms)}000000`;

/** Channel values in `readings` (within `range` if given); 0 while the database or measurement is missing. */
export async function countValues(influx: InfluxServer, db: string, range?: TimeRange): Promise<number> {
  const where = range ? ` WHERE time >= ${ns(range.fromMs)} AND time < ${ns(range.toMs)}` : '';
  let series;
  try {
    series = await influx.query(db, `SELECT COUNT(*) FROM readings${where}`);
  } catch (err) {
    if (/database not found/.test(String(err))) return 0;
    throw err;
  }
  let total = 0;
  for (const s of series) {
    s.columns.forEach((column, i) => {
      if (column.startsWith('count_') && VALUE_FIELDS.has(column.slice('count_'.length))) {
        for (const row of s.values) total += Number(row[i] ?? 0);
      }
    });
  }
  return total;
}

/**
 * Polls `count` until it returned the same number `stableFor` ms in a row (longer than either
 * peer's 1 s flush interval), or `timeoutMs` passed; resolves with the last count.
 */
export async function settledCount(count: () => Promise<number>, stableForMs = 2_500, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await count();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const n = await count();
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= stableForMs) return n;
  }
  process.stderr.write(`bench peer: InfluxDB count still moving after ${timeoutMs} ms; using ${last}\n`);
  return last;
}

interface ChunkLine {
  error?: string;
  results?: { error?: string; series?: { name: string; values: unknown[][] }[] }[];
}

/** Every `seq` of every point in `db`, any measurement. */
export async function deliveredSeqs(influx: InfluxServer, db: string): Promise<Set<number>> {
  const seqs = new Set<number>();
  const measurements = (await influx.query(db, 'SHOW MEASUREMENTS')).flatMap((s) => s.values.map((v) => String(v[0])));
  for (const m of measurements) {
    const params = new URLSearchParams({ db, q: `SELECT seq FROM "${m.replace(/"/g, '\\"')}"`, chunked: 'true', chunk_size: '20000' });
    const res = await fetch(`${influx.url}/query?${params}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB: SELECT seq FROM ${m}: HTTP ${res.status} ${text.slice(0, 200)}`);
    // A chunked answer is one JSON object per line.
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const chunk = JSON.parse(line) as ChunkLine;
      const err = chunk.error ?? chunk.results?.[0]?.error;
      if (err) throw new Error(`InfluxDB: SELECT seq FROM ${m}: ${err}`);
      for (const s of chunk.results?.[0]?.series ?? []) {
        for (const row of s.values) if (typeof row[1] === 'number') seqs.add(row[1]);
      }
    }
  }
  return seqs;
}
