/**
 * GET /api/v1/channels/:device/:channel/adev?since=&limit=&relative= — overlapping Allan deviation
 * of a channel, computed on request from the journal's readings (DOMAIN.md "Noise").
 *
 * Contract:
 * - Takes the newest `limit` readings (default 10 000, at most 100 000) since `since`, oldest
 *   first, keeping numeric values without a disqualifying flag (timeout, identity_mismatch, ...).
 * - τ0 is the median spacing of their times. The series must be equally spaced, so only the newest
 *   run without a gap (no spacing above 1.5·τ0) is used; `gaps` says how many gaps were skipped.
 * - `relative=true` divides by the mean (fractional deviation, e.g. of a 10 V Zener), else the
 *   result is in the channel's unit. Octave-spaced τ = m·τ0 up to a third of the run.
 * - 422 when fewer than 6 usable equally spaced readings remain; 503 without an open journal.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../config/format.js';
import { DISQUALIFYING } from '../checks/standard.js';
import { overlappingAdev } from '../checks/stats/index.js';
import type { Authorizer } from './auth.js';
import type { GatewayView } from './view.js';

export const adevParams = z.object({ device: z.string().min(1), channel: z.string().min(1) });

export const adevQuery = z
  .object({
    since: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time')
      .transform((s) => Date.parse(s))
      .optional(),
    limit: z.coerce.number().int().min(6).max(100_000).default(10_000),
    relative: z.enum(['true', 'false']).default('false').transform((s) => s === 'true'),
  })
  .strict();

export const adevResponse = z
  .object({
    device: z.string(),
    channel: z.string(),
    unit: z.string().describe('of adev: the channel unit, or "1" when relative'),
    relative: z.boolean(),
    n: z.number().int().describe('readings in the series'),
    tau0: z.number().describe('s, the median spacing'),
    from: z.string().describe('UTC, first reading used'),
    to: z.string().describe('UTC, last reading used'),
    gaps: z.number().int().describe('gaps before the series that were not used'),
    points: z.array(z.object({ tau: z.number().describe('s'), adev: z.number(), n: z.number().int().describe('terms in the sum') })),
  })
  .describe('overlapping Allan deviation σ_y(τ)');

const MIN_POINTS = 6;

export const channelRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer }> = async (app, { view, auth }) => {
  app.get('/api/v1/channels/:device/:channel/adev', { preHandler: auth.require('read') }, async (req, reply) => {
    const { device, channel } = req.params as { device: string; channel: string };
    const parsed = adevQuery.safeParse(req.query);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'bad_request', issues: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) });
    }
    const journal = view.journal();
    if (!journal) return reply.code(503).send({ error: 'journal_not_open' });
    const q = parsed.data;
    const readings = journal.recentReadings({ device, channel, limit: q.limit, ...(q.since !== undefined ? { since: q.since } : {}) });
    const series: { t: number; v: number }[] = [];
    let unit = '';
    for (let i = readings.length - 1; i >= 0; i--) {
      const r = readings[i]!;
      if (r.value === null || !Number.isFinite(r.value) || r.flags.some((f) => DISQUALIFYING.has(f))) continue;
      unit = r.unit;
      series.push({ t: r.time, v: r.value });
    }
    const tooFew = () => reply.code(422).send({ error: 'not_enough_data', message: `need at least ${MIN_POINTS} equally spaced readings of ${device}/${channel}` });
    if (series.length < MIN_POINTS) return tooFew();

    const spacing = series.slice(1).map((p, i) => p.t - series[i]!.t).sort((a, b) => a - b);
    const tau0Ms = spacing[Math.floor(spacing.length / 2)]!;
    if (!(tau0Ms > 0)) return tooFew();
    let start = series.length - 1;
    while (start > 0 && series[start]!.t - series[start - 1]!.t <= 1.5 * tau0Ms) start--;
    let gaps = 0;
    for (let i = 1; i <= start; i++) if (series[i]!.t - series[i - 1]!.t > 1.5 * tau0Ms) gaps++;
    const run = series.slice(start);
    if (run.length < MIN_POINTS) return tooFew();

    let values = run.map((p) => p.v);
    if (q.relative) {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      if (mean === 0) return reply.code(422).send({ error: 'not_enough_data', message: 'the mean is 0: no relative deviation' });
      values = values.map((v) => (v - mean) / mean); // σ_y is offset-invariant; this keeps the digits
    }
    const points = overlappingAdev(values, tau0Ms / 1000).map((p) => ({ tau: p.tau, adev: p.adev, n: p.n }));
    return {
      device,
      channel,
      unit: q.relative ? '1' : unit,
      relative: q.relative,
      n: run.length,
      tau0: tau0Ms / 1000,
      from: new Date(run[0]!.t).toISOString(),
      to: new Date(run[run.length - 1]!.t).toISOString(),
      gaps,
      points,
    };
  });
};
