import type { FastifyPluginAsync } from 'fastify';
import type { GatewayMetrics, GatewayMetricsOptions } from '../metrics/gateway-metrics.js';
import { FlowCounters } from '../metrics/flow-counters.js';
import type { Authorizer } from './auth.js';
import type { GatewayView } from './view.js';

/**
 * GET /metrics: Prometheus text exposition (prom-client) of the gateway's own registry. A read:
 * open unless `api.requireTokenForReads`, then a bearer token with the right "read" is needed
 * (Prometheus sends one with `authorization.credentials_file`).
 *
 * What flowed is counted from registration on (FlowCounters, plain maps on the commit path); the
 * registry, prom-client and the process metrics are loaded on the first scrape, so a gateway
 * that is never scraped carries neither their memory nor their event-loop monitor.
 */
export const metricsRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer } & GatewayMetricsOptions> = async (
  app,
  { view, auth, ...options },
) => {
  const flow = new FlowCounters();
  const unsubscribe = view.subscribe?.((records) => flow.observe(records));
  let metrics: Promise<GatewayMetrics> | undefined;
  app.addHook('onClose', async () => {
    unsubscribe?.();
    (await metrics)?.close();
  });
  app.get('/metrics', { preHandler: auth.require('read') }, async (_req, reply) => {
    metrics ??= import('../metrics/gateway-metrics.js').then((m) => new m.GatewayMetrics(view, flow, options));
    const m = await metrics;
    return reply.header('content-type', m.contentType).send(await m.metrics());
  });
};
