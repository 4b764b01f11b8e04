/**
 * The pilot's HTTP API (Fastify): health, the comparison's read routes, exports and the page.
 * Nothing listens until the caller calls listen(). There is no mutating route; every data route
 * needs a token (auth.ts). Error replies never carry secrets: a 500 says only that it failed.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../core/logger.js';
import type { PilotView } from '../view.js';
import { PilotAuth } from './auth.js';
import { registerExports } from './exports.js';
import { registerPage } from './page.js';
import { registerRoutes } from './routes.js';

export interface PilotApiOptions {
  https?: { cert: Buffer; key: Buffer };
  /** Whether the receiver is connected and its store open (GET /readyz). */
  ready: () => boolean;
  webRoot?: string;
}

export function buildPilotApi(view: PilotView, log: Logger, options: PilotApiOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  app.setErrorHandler((e, req, reply) => {
    const err = e as Error & { statusCode?: number };
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: { message: err.message, stack: err.stack } }, 'request failed');
    void reply.code(status).send({ error: status >= 500 ? 'internal' : 'bad_request', message: status >= 500 ? 'the request failed; see the receiver log' : err.message });
  });
  const auth = new PilotAuth(view.config.api.tokens);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => (options.ready() ? { ready: true } : reply.code(503).send({ ready: false })));
  registerRoutes(app, view, auth);
  registerExports(app, view, auth);
  registerPage(app, options.webRoot);
  return app;
}
