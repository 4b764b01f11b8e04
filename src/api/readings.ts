import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../config/format.js';
import type { Authorizer } from './auth.js';
import type { GatewayView } from './view.js';

export const readingsQuery = z
  .object({
    device: z.string().min(1).optional(),
    channel: z.string().min(1).optional(),
    since: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time')
      .transform((s) => Date.parse(s))
      .optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
  })
  .strict();

/** GET /api/v1/readings?device=&channel=&since=&limit= — newest first, from the journal. */
export const readingRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer }> = async (app, { view, auth }) => {
  app.get('/api/v1/readings', { preHandler: auth.require('read') }, async (req, reply) => {
    const parsed = readingsQuery.safeParse(req.query);
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'bad_request',
        issues: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
      });
    }
    const journal = view.journal();
    if (!journal) return reply.code(503).send({ error: 'journal_not_open' });
    const readings = journal.recentReadings(parsed.data);
    return { readings: readings.map((r) => ({ ...r, time: new Date(r.time).toISOString() })) };
  });
};
