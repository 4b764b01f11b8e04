/**
 * Response shapes of the status API as zod types. They document the routes (OpenAPI at /docs/json,
 * through route-docs.ts) and the unit tests parse real responses with them, so a route that starts
 * answering something else fails a test instead of silently diverging from its documentation.
 * Request shapes (query strings, bodies) live next to their routes, where they validate.
 */
import { z } from 'zod';
import type { DeviceStatus } from '../acquisition/device-status.js';
import { QUALITY_FLAGS } from '../core/types.js';
import type { DiskCapStats } from '../journal/disk-cap.js';
import type { LinkStatus } from '../links/types.js';
import type { SinkStatus } from '../sinks/types.js';

const iso = z.string().describe('UTC, ISO 8601');

export const errorResponse = z
  .object({
    error: z.string().describe('a short code: unauthorized, forbidden, bad_request, not_found, conflict, journal_not_open, ...'),
    message: z.string().optional(),
    issues: z.array(z.string()).optional().describe('each problem as `path: message`'),
  })
  .describe('an error; never contains a token or password');

export const healthResponse = z.object({ status: z.enum(['ok']) });
export const readyResponse = z.object({ status: z.enum(['ready', 'not ready']) });

export const deviceStatusSchema = z.object({
  id: z.string(),
  driver: z.string(),
  link: z.string(),
  state: z.enum(['connecting', 'connected', 'paused', 'faulted', 'stopped']).describe('paused: connected but not polling while the journal is full (policy stop)'),
  readings: z.number().int().describe('readings taken since start'),
  errors: z.number().int(),
  errorsByCode: z.record(z.string(), z.number().int()).describe('error counts by TG_* code'),
  lastReadingAt: iso.nullable(),
  lastError: z.string().nullable(),
  identity: z
    .object({ manufacturer: z.string(), model: z.string(), serial: z.string(), firmware: z.string().optional() })
    .nullable()
    .describe('what the instrument reported (e.g. *IDN?)'),
  identityMatches: z.boolean().describe('false when the instrument is not the configured one'),
});

export const linkStatusSchema = z.object({
  id: z.string(),
  type: z.string(),
  state: z.enum(['connecting', 'connected', 'down', 'closed']),
  address: z.string().describe('tcp://host:port or a serial path; never credentials'),
  reconnects: z.number().int(),
  lastError: z.string().optional(),
});

export const journalCapSchema = z
  .object({
    maxBytes: z.number().int(),
    usedBytes: z.number().int().describe('what the journal keeps on disk: used pages, WAL and WAL index'),
    walBytes: z.number().int().describe('of which the WAL and its index'),
    policy: z.enum(['stop', 'drop_oldest']),
    full: z.boolean().describe('policy stop: acquisition is paused until the sinks free space'),
    held: z.number().int().describe('readings waiting for space now'),
    refused: z.number().int().describe('readings refused with TG_JOURNAL_FULL since the journal opened'),
    dropped: z.number().int().describe('undelivered records dropped (drop_oldest) since the journal opened'),
    gaps: z.number().int(),
    trimmed: z.number().int().describe('delivered records deleted before their retention age to stay under the cap'),
  })
  .describe("the journal's size cap");

export const journalStatusSchema = z.object({
  records: z.number().int(),
  lastSeq: z.number().int(),
  firstSeq: z.number().int().nullable(),
  sizeBytes: z.number().int().describe('journal file plus its WAL'),
  cap: journalCapSchema.optional(),
});

export const sinkStatusSchema = z.object({
  name: z.string(),
  state: z.enum(['starting', 'idle', 'delivering', 'retrying', 'stopped']),
  cursor: z.number().int().describe('the last seq the sink confirmed'),
  pending: z.number().int().describe('committed records not yet confirmed (the backlog)'),
  delivered: z.number().int().describe('records confirmed since this process started'),
  quarantined: z.number().int().describe('records the destination refused for good (each journaled as an event)'),
  lastError: z.string().nullable(),
  lastErrorAt: iso.nullable(),
  lagSeconds: z.number().describe('age of the oldest unconfirmed record, s (0 when caught up)'),
});

export const statusResponse = z
  .object({
    gateway: z.string(),
    lab: z.string(),
    comparison: z.string().optional(),
    version: z.string(),
    startedAt: iso,
    ready: z.boolean(),
    devices: z.array(deviceStatusSchema),
    links: z.array(linkStatusSchema),
    journal: journalStatusSchema.nullable(),
    sinks: z.array(sinkStatusSchema).optional().describe('each sink draining the journal (absent when none is configured)'),
  })
  .describe('the live state of the gateway');

export const readingSchema = z.object({
  seq: z.number().int(),
  device: z.string(),
  channel: z.string(),
  quantity: z.string(),
  value: z.number().nullable().describe('null when the instrument gave no usable number (see flags)'),
  unit: z.string(),
  u: z.number().optional().describe('standard uncertainty (k=1) in `unit`'),
  time: iso,
  flags: z.array(z.enum(QUALITY_FLAGS)),
  extra: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  standard: z.string().optional().describe('the travelling standard whose checks watch this channel'),
  verified: z.boolean().optional(),
  verdicts: z
    .array(z.object({ check: z.string(), result: z.enum(['pass', 'warn', 'fail', 'info']), value: z.number().optional(), detail: z.string().optional() }))
    .optional(),
});

export const readingsResponse = z.object({ readings: z.array(readingSchema).describe('newest first') });

export const timelineEntrySchema = z.object({
  seq: z.number().int(),
  kind: z.enum(['event', 'seal']),
  time: iso,
  type: z.string(),
  severity: z.enum(['info', 'warning', 'alarm']),
  message: z.string(),
  device: z.string().optional(),
  standard: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const timelineResponse = z.object({ events: z.array(timelineEntrySchema).describe('newest first') });

// Compile-time: the types the routes return must fit the documented schemas (tsc fails otherwise).
type Fits<Schema, T extends Schema> = T;
export type _DeviceFits = Fits<z.infer<typeof deviceStatusSchema>, DeviceStatus>;
export type _LinkFits = Fits<z.infer<typeof linkStatusSchema>, LinkStatus>;
export type _SinkFits = Fits<z.infer<typeof sinkStatusSchema>, SinkStatus>;
export type _CapFits = Fits<z.infer<typeof journalCapSchema>, DiskCapStats>;
