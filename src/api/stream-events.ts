/**
 * What the live event stream (GET /api/v1/events) carries, derived from committed journal records.
 * The zod types here are the documentation of the stream (OpenAPI) and the shape the status page
 * reads; `toStreamEvents` is the only place that maps a record to stream events.
 *
 * Mapping, per committed record (the SSE `id` is always the record's seq):
 * - an acquisition        -> one `reading` per channel (channel-name order), and also `verdict`
 *   for each channel the checks attached verdicts to
 * - a `standard_transition` event -> `transition`
 * - another event of severity `warning` or `alarm` -> `alarm`
 * - any other event       -> `event`
 * - a seal                -> `seal`
 */
import { z } from 'zod';
import { readingsOf } from '../core/records.js';
import { QUALITY_FLAGS, type JournalRecord } from '../core/types.js';

export const STREAM_EVENT_TYPES = ['reading', 'verdict', 'alarm', 'transition', 'event', 'seal'] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/** The journal event type of a lifecycle transition (written by the checks). */
export const TRANSITION_EVENT_TYPE = 'standard_transition';

const iso = z.string().describe('UTC, ISO 8601');

export const verdictSchema = z.object({
  check: z.string(),
  result: z.enum(['pass', 'warn', 'fail', 'info']),
  value: z.number().optional().describe("the check's figure of merit, e.g. E_n or E_b"),
  detail: z.string().optional(),
});

export const readingEventSchema = z
  .object({
    seq: z.number().int(),
    device: z.string(),
    channel: z.string(),
    quantity: z.string(),
    value: z.number().nullable(),
    unit: z.string(),
    u: z.number().optional().describe('standard uncertainty (k=1) in `unit`'),
    time: iso,
    flags: z.array(z.enum(QUALITY_FLAGS)),
    standard: z.string().optional(),
    verified: z.boolean().optional(),
    verdicts: z.array(verdictSchema).optional(),
  })
  .describe('event `reading`: one channel of a committed acquisition');

export const verdictEventSchema = z
  .object({
    seq: z.number().int(),
    time: iso,
    device: z.string(),
    channel: z.string(),
    standard: z.string().optional(),
    verified: z.boolean().optional(),
    verdicts: z.array(verdictSchema),
  })
  .describe('event `verdict`: the check verdicts attached to a committed reading');

export const gatewayEventSchema = z
  .object({
    seq: z.number().int(),
    time: iso,
    type: z.string().describe('e.g. standard_transition, transport_alarm, step_detected, gateway_started, seal'),
    severity: z.enum(['info', 'warning', 'alarm']),
    message: z.string(),
    device: z.string().optional(),
    standard: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('events `alarm`, `transition`, `event` and `seal`: one committed journal event');

export interface StreamEvent {
  seq: number;
  type: StreamEventType;
  data: unknown;
}

/** The stream events one committed record produces (usually one, two for a reading with verdicts). */
export function toStreamEvents(r: JournalRecord): StreamEvent[] {
  if (r.kind !== 'event' && r.kind !== 'seal') {
    const out: StreamEvent[] = [];
    for (const rd of readingsOf(r)) {
      const time = new Date(rd.time).toISOString();
      const reading: z.infer<typeof readingEventSchema> = {
        seq: r.seq,
        device: rd.device,
        channel: rd.channel,
        quantity: rd.quantity,
        value: rd.value,
        unit: rd.unit,
        ...(rd.u !== undefined ? { u: rd.u } : {}),
        time,
        flags: rd.flags,
        ...(rd.standard !== undefined ? { standard: rd.standard } : {}),
        ...(rd.verified !== undefined ? { verified: rd.verified } : {}),
        ...(rd.verdicts?.length ? { verdicts: rd.verdicts } : {}),
      };
      out.push({ seq: r.seq, type: 'reading', data: reading });
      if (rd.verdicts?.length) {
        const v: z.infer<typeof verdictEventSchema> = {
          seq: r.seq,
          time,
          device: rd.device,
          channel: rd.channel,
          ...(rd.standard !== undefined ? { standard: rd.standard } : {}),
          ...(rd.verified !== undefined ? { verified: rd.verified } : {}),
          verdicts: rd.verdicts,
        };
        out.push({ seq: r.seq, type: 'verdict', data: v });
      }
    }
    return out;
  }
  const e = r.event;
  const data: z.infer<typeof gatewayEventSchema> = {
    seq: r.seq,
    time: new Date(e.time).toISOString(),
    type: e.type,
    severity: e.severity,
    message: e.message,
    ...(e.device !== undefined ? { device: e.device } : {}),
    ...((e.standard ?? r.standard) !== undefined ? { standard: e.standard ?? r.standard } : {}),
    ...(e.data !== undefined ? { data: e.data } : {}),
  };
  const type: StreamEventType =
    r.kind === 'seal'
      ? 'seal'
      : e.type === TRANSITION_EVENT_TYPE
        ? 'transition'
        : e.severity === 'alarm' || e.severity === 'warning'
          ? 'alarm'
          : 'event';
  return [{ seq: r.seq, type, data }];
}

/** One SSE frame: `id`, `event` and a single-line JSON `data` (JSON never contains a raw newline). */
export function sseFrame(e: StreamEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
