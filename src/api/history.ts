/**
 * A channel's history over any range, and a standard's readings as CSV.
 *
 * GET /api/v1/history?device=&channel=&from=&to=&points=
 *   The channel's readings from `from` to `to` (ISO 8601; defaults: the device's first reading in
 *   the journal, and now) in at most `points` items (default 2000). Downsampled on the server:
 *   the range is cut into `points` equal buckets and each bucket with readings gives one item with
 *   n, mean, min, max, the mean time of its readings, and how many were verified and flagged.
 *   When no bucket holds more than one reading, `downsampled` is false and each item is one
 *   reading (n = 1). Nothing is cut off: every reading in the range counts.
 *
 * GET /api/v1/standards/:id/readings.csv?from=&to=
 *   Every reading of the standard's measurand in the range (defaults as above), one row each, in
 *   time order: time, seq, device, channel, the value as measured and corrected to reference
 *   conditions (empty when the correction lacked its inputs), u, unit, quality flags, verified,
 *   the lifecycle state, E_n, E_b and every verdict. Numbers are written in full precision.
 *
 * Contract: both read the journal file in pages (series.ts) and yield to the event loop between
 * pages, so a range of weeks does not stall acquisition; one such read runs at a time, others
 * wait for it. 400 for a bad query, 404 for an unknown standard, 503 while the journal is closed.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../config/format.js';
import type { ChannelReading, Verdict } from '../core/types.js';
import type { Authorizer } from './auth.js';
import type { SeriesPoint, SeriesRow, SeriesSource } from './series.js';
import type { GatewayView } from './view.js';

const PAGE = 5000;
const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time')
  .transform((s) => Date.parse(s));

export const historyQuery = z
  .object({
    device: z.string().min(1),
    channel: z.string().min(1),
    from: isoTime.optional().describe("default: the device's first reading in the journal"),
    to: isoTime.optional().describe('default: now'),
    points: z.coerce.number().int().min(10).max(20_000).default(2000).describe('items at most (buckets)'),
  })
  .strict();

export const csvQuery = z
  .object({
    from: isoTime.optional().describe("default: the measurand's first reading in the journal"),
    to: isoTime.optional().describe('default: now'),
  })
  .strict();

const iso = z.string().describe('UTC, ISO 8601');
export const historyResponse = z
  .object({
    device: z.string(),
    channel: z.string(),
    unit: z.string().nullable(),
    from: iso,
    to: iso,
    readings: z.number().int().describe('readings in the range (with a value)'),
    downsampled: z.boolean().describe('false: each item is one reading'),
    bucketMs: z.number().describe('the width of a bucket'),
    items: z.array(
      z.object({
        time: iso.describe('the mean time of the readings in the bucket'),
        n: z.number().int(),
        mean: z.number(),
        min: z.number(),
        max: z.number(),
        verified: z.number().int().describe('readings in the bucket that were verified'),
        flagged: z.number().int().describe('readings in the bucket not verified and carrying a quality flag'),
      }),
    ),
  })
  .describe("a channel's readings over a range, downsampled to min/max/mean per bucket");

/** One long read at a time: the next waits for the one before to finish. */
class Turns {
  #last: Promise<void> = Promise.resolve();
  take(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = this.#last;
    this.#last = before.then(() => mine);
    return before.then(() => release);
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Every row of the range, page by page, yielding between pages: the channel objects (CSV) or
 *  just value, verified and flagged (`points`: the history plot). */
function rows(series: SeriesSource, device: string, channel: string, from: number, to: number): AsyncGenerator<SeriesRow[]>;
function rows(series: SeriesSource, device: string, channel: string, from: number, to: number, points: true): AsyncGenerator<SeriesPoint[]>;
async function* rows(series: SeriesSource, device: string, channel: string, from: number, to: number, points = false): AsyncGenerator<(SeriesRow | SeriesPoint)[]> {
  let after: { time: number; seq: number } | undefined;
  for (;;) {
    const q = { device, channel, from, to, limit: PAGE, ...(after ? { after } : {}) };
    const page = points ? series.points(q) : series.page(q);
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!;
    after = { time: last.time, seq: last.seq };
    await yieldToLoop();
  }
}


interface Bucket {
  n: number;
  /** The bucket's first value: sums of offsets from it keep the mean's digits (10.000002512 V). */
  ref: number;
  sum: number;
  sumT: number;
  min: number;
  max: number;
  verified: number;
  flagged: number;
}

export async function history(series: SeriesSource, q: { device: string; channel: string; from: number; to: number; points: number }): Promise<z.infer<typeof historyResponse>> {
  const span = Math.max(1, q.to - q.from + 1);
  const bucketMs = Math.max(1, Math.ceil(span / q.points));
  const buckets = new Map<number, Bucket>();
  let unit: string | null = null;
  let readings = 0;
  for await (const page of rows(series, q.device, q.channel, q.from, q.to, true)) {
    for (const c of page) {
      if (c.value === null || !Number.isFinite(c.value)) continue;
      readings++;
      const i = Math.floor((c.time - q.from) / bucketMs);
      let b = buckets.get(i);
      if (!b) {
        b = { n: 0, ref: c.value, sum: 0, sumT: 0, min: c.value, max: c.value, verified: 0, flagged: 0 };
        buckets.set(i, b);
      }
      b.n++;
      b.sum += c.value - b.ref;
      b.sumT += c.time;
      if (c.value < b.min) b.min = c.value;
      if (c.value > b.max) b.max = c.value;
      if (c.verified) b.verified++;
      else if (c.flagged) b.flagged++;
    }
  }
  if (readings > 0) unit = series.page({ device: q.device, channel: q.channel, from: q.from, to: q.to, limit: 1 })[0]?.channel?.unit ?? null;
  const items = [...buckets.values()].map((b) => ({
    time: new Date(Math.round(b.sumT / b.n)).toISOString(),
    n: b.n,
    mean: b.ref + b.sum / b.n,
    min: b.min,
    max: b.max,
    verified: b.verified,
    flagged: b.flagged,
  }));
  return {
    device: q.device,
    channel: q.channel,
    unit,
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    readings,
    downsampled: items.some((i) => i.n > 1),
    bucketMs,
    items,
  };
}

export const CSV_COLUMNS = [
  'time_utc',
  'seq',
  'device',
  'channel',
  'value_as_measured',
  'value_corrected',
  'u',
  'unit',
  'flags',
  'verified',
  'lifecycle',
  'E_n',
  'E_b',
  'verdicts',
] as const;

function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const verdict = (vs: readonly Verdict[] | undefined, check: string) => vs?.find((v) => v.check === check);

/** One CSV row of a reading of the standard. */
export function csvRow(device: string, channel: string, r: SeriesRow): string | undefined {
  const c = r.channel;
  if (!c) return undefined;
  const vs = c.verdicts;
  const correction = verdict(vs, 'correction');
  // No correction verdict: none is configured, the value is its own corrected value. A `warn`
  // correction verdict: an input (e.g. the pressure) was missing, so there is no corrected value.
  const corrected = correction ? (correction.result === 'info' ? (correction.value ?? null) : null) : c.value;
  const cells = [
    new Date(r.time).toISOString(),
    r.seq,
    device,
    channel,
    c.value,
    corrected,
    c.u,
    c.unit,
    (c.flags ?? []).join(' '),
    c.verified === undefined ? '' : c.verified,
    verdict(vs, 'lifecycle')?.detail,
    verdict(vs, 'prediction')?.value,
    verdict(vs, 'drift_rate')?.value,
    (vs ?? []).map((v) => `${v.check}=${v.result}${v.value !== undefined ? ` ${v.value}` : ''}${v.detail ? ` (${v.detail})` : ''}`).join('; '),
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', issues: error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) });
}

export const historyRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer }> = async (app, { view, auth }) => {
  const turns = new Turns();

  app.get('/api/v1/history', { preHandler: auth.require('read') }, async (req, reply) => {
    const parsed = historyQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const series = view.series?.();
    if (!series) return reply.code(503).send({ error: 'journal_not_open' });
    const q = parsed.data;
    const release = await turns.take();
    try {
      const from = q.from ?? series.firstTime(q.device) ?? Date.now();
      const to = q.to ?? Date.now();
      if (to < from) return reply.code(400).send({ error: 'bad_request', issues: ['to: must not be before from'] });
      return await history(series, { device: q.device, channel: q.channel, from, to, points: q.points });
    } finally {
      release();
    }
  });

  app.get('/api/v1/standards/:id/readings.csv', { preHandler: auth.require('read') }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const parsed = csvQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const d = view.standard?.(id);
    if (!d) return reply.code(404).send({ error: 'not_found', message: `no standard "${id}"` });
    const series = view.series?.();
    if (!series) return reply.code(503).send({ error: 'journal_not_open' });
    const { device, channel } = d.measurand;
    const from = parsed.data.from ?? series.firstTime(device) ?? Date.now();
    const to = parsed.data.to ?? Date.now();
    const body = Readable.from(
      (async function* () {
        const release = await turns.take();
        try {
          yield `${CSV_COLUMNS.join(',')}\r\n`;
          for await (const page of rows(series, device, channel, from, to)) {
            let chunk = '';
            for (const r of page) chunk += csvRow(device, channel, r) ?? '';
            if (chunk) yield chunk;
          }
        } finally {
          release();
        }
      })(),
    );
    const stamp = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${id}_${stamp(from)}_${stamp(to)}.csv"`)
      .send(body);
  });
};
