/**
 * The pilot's HTTP API (Fastify): health, the comparison's read routes, exports, metrics and the page.
 * Nothing listens until the caller calls listen(). There is no mutating route; every data route
 * needs a token (auth.ts). Errors are answered as the gateway's API answers them (api/exposure.ts):
 * a 5xx says only "internal error", a 4xx carries no configured secret.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerErrorHandler } from '../../api/exposure.js';
import type { Logger } from '../../core/logger.js';
import type { SecretSet } from '../../core/secrets.js';
import type { PilotView } from '../view.js';
import { PilotAuth } from './auth.js';
import { registerExports } from './exports.js';
import { registerMetrics } from './metrics.js';
import { registerPage } from './page.js';
import { registerRoutes } from './routes.js';

export interface PilotApiOptions {
  https?: { cert: Buffer; key: Buffer };
  /** Whether the receiver is connected and its store open (GET /readyz). */
  ready: () => boolean;
  webRoot?: string;
  /** Every secret of the configuration: scrubbed from error replies (as in the gateway's API). */
  secrets?: SecretSet;
}

export function buildPilotApi(view: PilotView, log: Logger, options: PilotApiOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  registerErrorHandler(app, options.secrets);
  const auth = new PilotAuth(view.config.api.tokens);
  // The same answers as the gateway's health routes (api/health.ts).
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  registerRoutes(app, view, auth);
  registerExports(app, view, auth);
  registerMetrics(app, view, auth, options.ready);
  registerPage(app, options.webRoot);
  return app;
}
