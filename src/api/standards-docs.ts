/**
 * Documentation of the standards routes (merged into route-docs.ts, which documents the adev route): request types
 * from the routes, response shapes as zod types that the unit tests parse real replies with.
 */
import { z } from 'zod';
import { LIFECYCLE_STATES } from '../checks/lifecycle.js';
import { errorResponse } from './schemas.js';
import { resolveBody, standardParams, transitionBody } from './standards.js';

const iso = z.string().describe('UTC, ISO 8601');
const state = z.enum(LIFECYCLE_STATES);
const result = z.enum(['pass', 'warn', 'fail', 'info']);
const score = z.object({ value: z.number().nullable().describe('null when infinite (zero uncertainty)'), result });
const range = z.object({ min: z.number(), max: z.number() });
const channelRef = z.object({ device: z.string(), channel: z.string() });
const cause = z.union([
  z.object({ kind: z.literal('operator'), by: z.string().describe("the token's name"), note: z.string().optional() }),
  z.object({ kind: z.literal('evidence'), evidence: z.string().describe('what a check saw') }),
]);
const alarm = z.object({
  id: z.number().int(),
  kind: z.enum(['shock', 'tilt', 'temperature', 'humidity', 'power']),
  time: iso,
  value: z.number().optional(),
  limit: z.number().optional(),
  detail: z.string(),
  resolved: z.object({ time: iso, by: z.string(), note: z.string().optional() }).nullable(),
});

export const standardSummarySchema = z.object({
  id: z.string(),
  quantity: z.string(),
  nominal: z.number(),
  unit: z.string(),
  measurand: channelRef,
  state,
  since: iso.nullable().describe('when the current state began'),
  settled: z.boolean(),
  openAlarms: z.number().int().describe('unresolved transport alarms; while > 0 nothing is verified'),
  eb: score.nullable().describe('latest E_b'),
  en: score.nullable().describe('latest E_n'),
  readings: z.number().int(),
  verified: z.number().int(),
  lastReadingAt: iso.nullable(),
  lastVerified: z.boolean().nullable(),
});

export const standardDetailSchema = standardSummarySchema.extend({
  lifecycle: z.object({ state, since: iso.nullable(), cause: cause.nullable(), transitions: z.number().int(), allowed: z.array(state) }),
  reference: z
    .object({ t0: z.string(), x0: z.number(), uX0: z.number(), driftPerDay: z.number(), uDriftPerDay: z.number(), uTransport: z.number() })
    .nullable()
    .describe("the pilot's model"),
  drift: z.object({
    epoch: iso.nullable().describe('t = 0 of the fit'),
    segment: z.number().int().describe('fit segments begun after detected steps'),
    segmentStart: iso.nullable(),
    n: z.number().int(),
    mode: z.enum(['ols', 'wls']).nullable(),
    slopePerDay: z.number().nullable(),
    uSlopePerDay: z.number().nullable(),
    residualSd: z.number().nullable(),
    r2: z.number().nullable(),
    atLastReading: z.object({ time: iso, value: z.number(), u: z.number() }).nullable().describe('the fitted line at the last reading'),
    eb: score.extend({ at: iso.nullable() }).nullable(),
    en: score.extend({ at: iso.nullable(), deviation: z.number() }).nullable(),
    thresholds: z.object({ warn: z.number(), fail: z.number(), k: z.number() }),
    judgedAfter: z.object({ minPoints: z.number().int(), minSpanMs: z.number() }).describe('E_b is judged once the fit holds minPoints readings over minSpanMs'),
    pending: z.string().nullable().describe('what the fit still lacks before E_b is judged, in words; null once judged'),
    spanMs: z.number().nullable().describe("the fit segment's span so far, ms"),
  }),
  cusum: z.object({
    sPlus: z.number(),
    sMinus: z.number(),
    k: z.number(),
    h: z.number(),
    steps: z.number().int(),
    lastStep: z
      .object({ at: iso.nullable(), onsetAt: iso.nullable(), sign: z.union([z.literal(1), z.literal(-1)]), sizeZ: z.number(), size: z.number(), samples: z.number().int() })
      .nullable(),
  }),
  transport: z.object({
    trips: z.number().int(),
    trip: z.object({
      startedAt: iso.nullable(),
      peak: z.object({ x: z.number(), y: z.number(), z: z.number() }).describe('g'),
      tiltMax: z.number().nullable(),
      temperature: range.nullable(),
      humidity: range.nullable(),
      powerInterruptions: z.number().int(),
    }),
    openAlarms: z.array(alarm),
    alarms: z.array(alarm),
    lastMotion: z.object({ time: iso.nullable(), g: z.number(), axis: z.string() }).nullable().describe('the last logger reading that showed motion'),
    arrivalRestMs: z.number().describe('an arrival is refused within this time after motion'),
  }),
  settling: z.object({
    start: iso.nullable(),
    settled: z.boolean(),
    settledAt: iso.nullable(),
    requiredMs: z.number(),
    elapsedMs: z.number().nullable(),
    progress: z.number().min(0).max(1),
    windowFull: z.boolean().nullable(),
    slopePerDay: z.number().nullable(),
    thermistorSpread: z.number().nullable(),
  }),
  environment: z.record(z.string(), z.object({ value: z.number(), time: iso.nullable() })),
  verdicts: z.object({
    readings: z.number().int(),
    verified: z.number().int(),
    checks: z.record(z.string(), z.object({ pass: z.number().int(), warn: z.number().int(), fail: z.number().int(), info: z.number().int() })),
  }),
});

export const standardsResponse = z.object({ standards: z.array(standardSummarySchema) });

export const actionResponse = z.object({
  seq: z.number().int().describe('the journal record of the action'),
  state,
  event: z.object({ type: z.string(), time: z.number(), standard: z.string().optional(), severity: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional() }),
  standard: standardDetailSchema.optional(),
});

const unauthorized = errorResponse.describe('no valid bearer token');
const forbidden = errorResponse.describe('the token lacks the right');
const badRequest = errorResponse.describe('the request is invalid; `issues` says why');
const notFound = errorResponse.describe('no such standard');
const readErrors = { 401: unauthorized, 403: forbidden } as const;

export const standardsDocs = {
  'GET /api/v1/standards': {
    summary: 'The travelling standards: lifecycle state, latest E_b and E_n, open alarms, verified counts',
    tags: ['standards'],
    right: 'read' as const,
    response: { 200: standardsResponse, ...readErrors },
  },
  'GET /api/v1/standards/:id': {
    summary: 'One standard: drift fit with uncertainties, E_b, E_n, CUSUM, transport, settling, verdict counts',
    tags: ['standards'],
    right: 'read' as const,
    params: standardParams,
    response: { 200: standardDetailSchema, ...readErrors, 404: notFound },
  },
  'POST /api/v1/standards/:id/transitions': {
    summary: "A lifecycle transition by an operator (journaled with the token's name)",
    description: 'awaiting → in_transit → settling → measuring → in_transit | returned; settling restarts from settling or measuring.',
    tags: ['standards'],
    right: 'operate' as const,
    params: standardParams,
    body: transitionBody,
    response: {
      200: actionResponse,
      400: badRequest,
      ...readErrors,
      404: notFound,
      503: errorResponse.describe('the gateway is starting: the journal is not open yet'),
      409: errorResponse.extend({ allowed: z.array(state) }).describe('the lifecycle forbids this transition now; `allowed` lists what it allows'),
    },
  },
  'POST /api/v1/standards/:id/alarms/resolve': {
    summary: 'Resolve the open transport alarms of a standard (journaled with the token name)',
    tags: ['standards'],
    right: 'operate' as const,
    params: standardParams,
    body: resolveBody,
    response: { 200: actionResponse, 400: badRequest, ...readErrors, 404: notFound },
  },
};
