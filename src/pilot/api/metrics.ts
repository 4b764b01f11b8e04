/**
 * GET /metrics on the pilot's API: Prometheus text of every accepted gateway's stream
 * (../metrics.ts). It shows every lab, so it takes a pilot token (a lab's token gets 403, as a lab
 * is blind to the others); prom-client is loaded on the first scrape.
 */
import type { FastifyInstance } from 'fastify';
import type { PilotView } from '../view.js';
import type { PilotMetrics } from '../metrics.js';
import { scopeOf, type PilotAuth } from './auth.js';

export function registerMetrics(app: FastifyInstance, view: PilotView, auth: PilotAuth, ready: () => boolean): void {
  let metrics: Promise<PilotMetrics> | undefined;
  app.addHook('onClose', async () => (await metrics)?.close());
  app.get('/metrics', { preHandler: auth.require }, async (req, reply) => {
    const scope = scopeOf(req);
    if (scope.role !== 'pilot') {
      return reply.code(403).send({ error: 'forbidden', message: `token "${scope.name}" is a lab's: the metrics show every lab, so they need a pilot token` });
    }
    metrics ??= import('../metrics.js').then((m) => new m.PilotMetrics());
    const m = await metrics;
    m.update(await view.gateways(scope), ready());
    return reply.header('content-type', m.contentType).send(await m.metrics());
  });
}
