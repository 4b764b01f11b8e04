import type { FastifyPluginAsync } from 'fastify';
import type { GatewayView } from './view.js';

/** /healthz: the process serves. /readyz: the journal is open and acquisition runs. */
export const healthRoutes: FastifyPluginAsync<{ view: GatewayView }> = async (app, { view }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = view.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
};
