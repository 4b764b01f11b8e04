/**
 * The catalogue of route documentation, keyed "METHOD /url" exactly as the route is registered.
 * Request parts are the zod types the routes validate with; responses are the zod types of
 * schemas.ts (or a media type for text routes). docs.ts turns them into the OpenAPI document.
 * A new route gets an entry here; the docs unit test fails for a route without one.
 */
import { z } from 'zod';
import { adevParams, adevQuery, adevResponse } from './channels.js';
import { eventsQuery, timelineQuery } from './events.js';
import { dashboardResponse } from './dashboard.js';
import { readingsQuery } from './readings.js';
import { csvQuery, historyQuery, historyResponse, CSV_COLUMNS } from './history.js';
import {
  errorResponse,
  healthResponse,
  readingsResponse,
  readyResponse,
  statusResponse,
  timelineResponse,
} from './schemas.js';
import { gatewayEventSchema, readingEventSchema, verdictEventSchema } from './stream-events.js';
import { standardsDocs } from './standards-docs.js';

export type ResponseDoc = z.ZodType | { description: string; contentType: string; schema?: Record<string, unknown> };

export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** The right the route needs: 'read' (only when api.requireTokenForReads), 'operate' always. */
  right?: 'read' | 'operate';
  querystring?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  response: Record<number, ResponseDoc>;
}

const unauthorized = errorResponse.describe('no valid bearer token');
const forbidden = errorResponse.describe('the token lacks the right');
const badRequest = errorResponse.describe('the request is invalid; `issues` says why, each as `path: message`');
const notOpen = errorResponse.describe('the journal is not open (the gateway is starting or stopping)');
const readErrors = { 401: unauthorized, 403: forbidden } as const;

const streamSchema = z.union([readingEventSchema, verdictEventSchema, gatewayEventSchema]);

export const routeDocs: Record<string, RouteDoc> = {
  'GET /healthz': {
    summary: 'Liveness: the process serves',
    tags: ['health'],
    response: { 200: healthResponse.describe('the process serves') },
  },
  'GET /readyz': {
    summary: 'Readiness: the journal is open and acquisition runs',
    tags: ['health'],
    response: { 200: readyResponse.describe('ready'), 503: readyResponse.describe('starting or stopping') },
  },
  'GET /api/v1/status': {
    summary: 'Devices, links, the journal and the sinks, from live state',
    tags: ['status'],
    right: 'read',
    response: { 200: statusResponse, ...readErrors },
  },
  'GET /api/v1/readings': {
    summary: 'Readings from the journal, newest first',
    tags: ['readings'],
    right: 'read',
    querystring: readingsQuery,
    response: { 200: readingsResponse, 400: badRequest, ...readErrors, 503: notOpen },
  },
  'GET /api/v1/channels/:device/:channel/adev': {
    summary: 'Overlapping Allan deviation of a channel, from the journal',
    tags: ['readings'],
    right: 'read',
    params: adevParams,
    querystring: adevQuery,
    response: {
      200: adevResponse,
      400: badRequest,
      ...readErrors,
      422: errorResponse.describe('fewer than 6 usable, equally spaced readings'),
      503: notOpen,
    },
  },
  'GET /api/v1/history': {
    summary: "A channel's readings over any range (up to the whole stay), downsampled on the server to min/max/mean per bucket",
    description:
      'The range (default: from the first reading in the journal to now) is cut into `points` equal buckets; each bucket with readings is one item. ' +
      'Every reading in the range counts (nothing is cut off); when no bucket holds more than one reading, each item is one reading and `downsampled` is false.',
    tags: ['readings'],
    right: 'read',
    querystring: historyQuery,
    response: { 200: historyResponse, 400: badRequest, ...readErrors, 503: notOpen },
  },
  'GET /api/v1/standards/:id/readings.csv': {
    summary: "A standard's readings as CSV: as measured and corrected, u, flags, verified, E_n, E_b and every verdict",
    description: `One row per reading of the measurand in the range, time order. Columns: ${CSV_COLUMNS.join(', ')}.`,
    tags: ['standards'],
    right: 'read',
    params: z.object({ id: z.string().describe('the standard id') }),
    querystring: csvQuery,
    response: {
      200: { description: 'CSV (RFC 4180, CRLF line ends, a header row)', contentType: 'text/csv' },
      400: badRequest,
      ...readErrors,
      404: errorResponse.describe('no such standard'),
      503: notOpen,
    },
  },
  'GET /api/v1/timeline': {
    summary: 'Recent journal events and seals (alarms, transitions, gateway events), newest first',
    tags: ['readings'],
    right: 'read',
    querystring: timelineQuery,
    response: { 200: timelineResponse, 400: badRequest, ...readErrors, 503: notOpen },
  },
  'GET /api/v1/events': {
    summary: 'Live server-sent events of every committed record',
    description:
      'Event types: `reading`, `verdict`, `alarm`, `transition`, `event`, `seal` (each `data` is one JSON object, see the ' +
      'schema), plus `overflow` (this client fell behind; reconnect) and `reset` (too far behind to replay; reload state). ' +
      'The SSE `id` is the journal sequence number: reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume without ' +
      'gaps. Comment lines are heartbeats.',
    tags: ['live'],
    right: 'read',
    querystring: eventsQuery,
    response: {
      200: {
        description: 'an endless text/event-stream; each event `data` is one of these objects',
        contentType: 'text/event-stream',
        schema: { type: 'string', 'x-event-data': z.toJSONSchema(streamSchema, { io: 'output' }) },
      },
      400: badRequest,
      ...readErrors,
    },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics (text exposition format 0.0.4); every name starts with travelgate_',
    tags: ['operations'],
    right: 'read',
    response: { 200: { description: 'Prometheus text format', contentType: 'text/plain' }, ...readErrors },
  },
  'GET /docs/json': {
    summary: 'This OpenAPI 3.1 document',
    tags: ['operations'],
    response: { 200: { description: 'the OpenAPI document', contentType: 'application/json', schema: { type: 'object' } } },
  },
  'GET /docs': {
    summary: 'This API as a readable page (reads /docs/json; works without internet access)',
    tags: ['operations'],
    response: { 200: { description: 'the page', contentType: 'text/html' } },
  },
  'GET /api/v1/dashboard': {
    summary: "What the status page plots: each standard's channels and the protocol's environment window",
    tags: ['status page'],
    right: 'read',
    response: { 200: dashboardResponse, ...readErrors },
  },
  'GET /': {
    summary: 'The status page (HTML; works without internet access)',
    tags: ['status page'],
    response: { 200: { description: 'the page', contentType: 'text/html' } },
  },
  'GET /ui/:file': {
    summary: "The status page's own scripts and style sheets",
    tags: ['status page'],
    params: z.object({ file: z.string().describe('a file of the page, e.g. app.js') }),
    response: {
      200: { description: 'the file (JavaScript module, CSS or SVG)', contentType: 'text/javascript' },
      404: errorResponse.describe('no such file'),
    },
  },
  'GET /ui/vendor/:file': {
    summary: 'The chart library (uPlot) the page uses, served from the installed package',
    tags: ['status page'],
    params: z.object({ file: z.enum(['uPlot.esm.js', 'uPlot.min.css']) }),
    response: {
      200: { description: 'the file', contentType: 'text/javascript' },
      404: errorResponse.describe('no such file'),
    },
  },
  ...standardsDocs,
};
