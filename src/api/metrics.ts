import type { FastifyPluginAsync } from 'fastify';
import { GatewayMetrics, type GatewayMetricsOptions } from '../metrics/gateway-metrics.js';
import type { Authorizer } from './auth.js';
import type { GatewayView } from './view.js';

/**
 * GET /metrics: Prometheus text exposition (prom-client) of the gateway's own registry. A read:
 * open unless `api.requireTokenForReads`, then a bearer token with the right "read" is needed
 * (Prometheus sends one with `authorization.credentials_file`). The metrics live as long as the
 * API: created on registration, closed with the server.
 */
export const metricsRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer } & GatewayMetricsOptions> = async (
  app,
  { view, auth, ...options },
) => {
  const metrics = new GatewayMetrics(view, options);
  app.addHook('onClose', async () => metrics.close());
  app.get('/metrics', { preHandler: auth.require('read') }, async (_req, reply) => {
    const text = await metrics.metrics();
    return reply.header('content-type', metrics.contentType).send(text);
  });
};
