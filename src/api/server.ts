import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import { Authorizer, type ApiToken } from './auth.js';
import { healthRoutes } from './health.js';
import { readingRoutes } from './readings.js';
import { statusRoutes } from './status.js';
import type { GatewayView } from './view.js';

/** Builds the status API. Nothing listens until the caller calls listen(). */
export interface ApiOptions {
  tokens?: readonly ApiToken[];
  requireTokenForReads?: boolean;
}

export function buildApi(view: GatewayView, log: Logger, options: ApiOptions = {}): FastifyInstance {
  const auth = new Authorizer(options.tokens ?? [], options.requireTokenForReads ?? false);
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.register(healthRoutes, { view });
  app.register(statusRoutes, { view, auth });
  app.register(readingRoutes, { view, auth });
  return app;
}
