/**
 * GET /api/v1/timeline: recent journal events (the history a client loads before it listens).
 *
 * GET /api/v1/events: server-sent events of everything the journal commits (readings, verdicts,
 * alarms, transitions, other events, seals; see stream-events.ts for the mapping).
 *
 * Contract:
 * - Fed from the journal's commit listener (through `view.subscribe`) into a Broadcaster: the
 *   commit path only appends to per-client buffers, so a slow client never blocks the journal,
 *   acquisition or other clients. A client whose buffer overflows (`maxBuffered` frames) gets an
 *   `overflow` event and the stream closes; it reconnects with `Last-Event-ID` and catches up.
 * - `Last-Event-ID` (header, or `?lastEventId=` for clients that cannot set headers): the stream
 *   first replays committed records after that seq from the journal (at most `maxReplay`; beyond
 *   that it sends `reset`, telling the client to reload its state from the REST routes), then
 *   continues live without duplicates or gaps.
 * - `?types=reading,alarm` limits the stream to those event types.
 * - A comment line (`: heartbeat`) every `heartbeatMs` keeps proxies and idle timeouts away.
 * - At most `maxClients` (default 32) streams are open at once; one more is answered 503 with
 *   Retry-After. A stream's buffers go with it: the subscriber, its frames and the response are
 *   released as soon as the client goes, stalled or not (`streams` counts what is open).
 * - The replay after Last-Event-ID waits for the socket to drain between pages, so a client that
 *   reads slowly holds at most a page in memory, not the whole replay.
 * - Closing the server ends every stream (a `preClose` hook), so shutdown never waits on a client.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { timerMs } from '../core/clock.js';
import type { JournalRecord } from '../core/types.js';
import { formatPath } from '../config/format.js';
import type { Authorizer } from './auth.js';
import { Broadcaster } from './broadcast.js';
import type { timelineResponse } from './schemas.js';
import { STREAM_EVENT_TYPES, sseFrame, toStreamEvents, type StreamEventType } from './stream-events.js';
import type { GatewayView } from './view.js';

export interface EventStreamOptions {
  /** Frames a client may have waiting before it is cut off (default 4096). */
  maxBuffered?: number;
  /** Records replayed after Last-Event-ID before a `reset` is sent instead (default 5000). */
  maxReplay?: number;
  /** Interval of heartbeat comments (default 15 s). */
  heartbeatMs?: number;
  /** Streams open at once at most (default 32); one more gets 503. */
  maxClients?: number;
  /** Told how many streams are open whenever that changes (tests, metrics). */
  onStreams?: (open: number) => void;
}

export const eventsQuery = z
  .object({
    types: z
      .string()
      .optional()
      .describe(`comma-separated subset of ${STREAM_EVENT_TYPES.join(', ')}; default all`)
      .refine(
        (s) => s === undefined || s.split(',').every((t) => (STREAM_EVENT_TYPES as readonly string[]).includes(t.trim())),
        `expected a comma-separated subset of ${STREAM_EVENT_TYPES.join(', ')}`,
      ),
    lastEventId: z.coerce.number().int().min(0).optional().describe('resume after this seq (like the Last-Event-ID header)'),
  })
  .strict();

export const timelineQuery = z
  .object({
    since: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time')
      .optional()
      .describe('only events at or after this time'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    seals: z.enum(['true', 'false']).default('true').describe('include seals (one per sealing interval)'),
  })
  .strict();

interface Published {
  seq: number;
  frames: { type: StreamEventType; text: string }[];
}

export const eventRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer } & EventStreamOptions> = async (app, opts) => {
  const { view, auth } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxReplay = opts.maxReplay ?? 5000;
  const maxClients = opts.maxClients ?? 32;
  const hub = new Broadcaster<Published>({ maxBuffered: opts.maxBuffered ?? 4096 });
  const open = new Set<ServerResponse>();

  const publish = (records: readonly JournalRecord[]) => {
    if (hub.subscribers === 0) return;
    for (const r of records) hub.publish(framesOf(r));
  };
  const unsubscribe = view.subscribe?.(publish);

  app.addHook('preClose', async () => {
    hub.closeAll();
    for (const res of open) res.end();
  });
  app.addHook('onClose', async () => unsubscribe?.());

  app.get('/api/v1/events', { preHandler: auth.require('read') }, async (req, reply) => {
    const parsed = eventsQuery.safeParse(req.query);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'bad_request', issues: parsed.error.issues.map((i) => i.message) });
    }
    const wanted = new Set<StreamEventType>(
      parsed.data.types ? (parsed.data.types.split(',').map((t) => t.trim()) as StreamEventType[]) : STREAM_EVENT_TYPES,
    );
    const header = req.headers['last-event-id'];
    const headerId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
    const resumeAfter = headerId ?? parsed.data.lastEventId;
    if (open.size >= maxClients) {
      return reply
        .code(503)
        .header('retry-after', '10')
        .send({ error: 'too_many_streams', message: `${maxClients} event streams are open already (api.maxEventStreams); try again later` });
    }

    // Subscribe before replaying so nothing committed in between is missed; duplicates are
    // skipped by seq below.
    const sub = hub.subscribe();
    reply.hijack();
    const res = reply.raw;
    open.add(res);
    opts.onStreams?.(open.size);
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>), // e.g. CORS headers set by an onRequest hook
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 3000\n: travelgate event stream\n\n`);

    let lastSent = resumeAfter ?? -1;
    const write = (seq: number, frames: Published['frames']) => {
      let text = '';
      for (const f of frames) if (wanted.has(f.type)) text += f.text;
      lastSent = seq;
      return text === '' ? true : res.write(text);
    };

    const heartbeat = setInterval(() => {
      if (!res.writableNeedDrain) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
    }, timerMs(heartbeatMs));
    heartbeat.unref();
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    void closed.then(() => sub.close());

    const drained = () => Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
    try {
      if (resumeAfter !== undefined) {
        const r = await replay(resumeAfter, write, async () => {
          if (res.writableNeedDrain) await drained();
          return !res.destroyed;
        });
        if (r.reset && !res.destroyed) res.write(`event: reset\ndata: {"lastEventId":${r.last}}\n\n`);
        lastSent = r.last;
      }
      for (;;) {
        const n = await sub.next();
        if (n.done) {
          if (n.overflowed && !res.destroyed) res.write(`event: overflow\ndata: {"lastEventId":${lastSent}}\n\n`);
          break;
        }
        if (n.value.seq <= lastSent) continue;
        if (!write(n.value.seq, n.value.frames)) await drained();
        if (res.destroyed) break;
      }
    } finally {
      clearInterval(heartbeat);
      sub.close();
      open.delete(res);
      opts.onStreams?.(open.size);
      if (!res.writableEnded) res.end();
      // A client that stopped reading keeps its socket's write buffer: let it go now.
      if (!res.destroyed && res.writableLength > 0) res.destroy();
    }
  });

  /** GET /api/v1/timeline: the journal's recent events and seals (alarms, transitions, ...), newest first. */
  app.get('/api/v1/timeline', { preHandler: auth.require('read') }, async (req, reply) => {
    const parsed = timelineQuery.safeParse(req.query);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'bad_request', issues: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) });
    }
    const journal = view.journal();
    if (!journal) return reply.code(503).send({ error: 'journal_not_open' });
    const since = parsed.data.since === undefined ? undefined : Date.parse(parsed.data.since);
    const records =
      journal.recentEvents?.({ limit: parsed.data.limit, seals: parsed.data.seals === 'true', ...(since !== undefined ? { since } : {}) }) ?? [];
    const events: z.infer<typeof timelineResponse>['events'] = [];
    for (const r of records) {
      if (r.kind !== 'event' && r.kind !== 'seal') continue;
      const e = r.event;
      events.push({
        seq: r.seq,
        kind: r.kind,
        time: new Date(e.time).toISOString(),
        type: e.type,
        severity: e.severity,
        message: e.message,
        ...(e.device !== undefined ? { device: e.device } : {}),
        ...((e.standard ?? r.standard) !== undefined ? { standard: e.standard ?? r.standard } : {}),
        ...(e.data !== undefined ? { data: e.data } : {}),
      });
    }
    return { events };
  });

  /** Replays committed records after `afterSeq` (or asks for a reset when too far behind), a page
   *  at a time, waiting for `drain` between pages (it says false when the client went). */
  async function replay(
    afterSeq: number,
    write: (seq: number, frames: Published['frames']) => boolean,
    drain: () => Promise<boolean>,
  ): Promise<{ last: number; reset: boolean }> {
    const journal = view.journal();
    if (!journal?.range) return { last: afterSeq, reset: false };
    const lastSeq = journal.stats().lastSeq;
    if (lastSeq - afterSeq > maxReplay || afterSeq > lastSeq) return { last: lastSeq, reset: true };
    let from = afterSeq + 1;
    let last = afterSeq;
    while (from <= lastSeq) {
      const page = journal.range(from, 500);
      if (page.length === 0) break;
      for (const r of page) {
        const p = framesOf(r);
        write(p.seq, p.frames);
        last = r.seq;
      }
      from = page[page.length - 1]!.seq + 1;
      if (!(await drain())) break;
    }
    return { last, reset: false };
  }
};

function framesOf(r: JournalRecord): Published {
  return { seq: r.seq, frames: toStreamEvents(r).map((e) => ({ type: e.type, text: sseFrame(e) })) };
}
