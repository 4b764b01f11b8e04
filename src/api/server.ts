import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import type { SecretSet } from '../core/secrets.js';
import { Authorizer, type ApiToken } from './auth.js';
import { dashboardRoutes, type DashboardLayout } from './dashboard.js';
import { registerDocs } from './docs.js';
import { eventRoutes, type EventStreamOptions } from './events.js';
import { registerCors, registerErrorHandler, type CorsOptions } from './exposure.js';
import { healthRoutes } from './health.js';
import { allowedHosts, registerHostGuard } from './host-guard.js';
import { historyRoutes } from './history.js';
import { metricsRoutes } from './metrics.js';
import { readingRoutes } from './readings.js';
import { channelRoutes } from './channels.js';
import { standardRoutes } from './standards.js';
import { statusRoutes } from './status.js';
import type { GatewayView } from './view.js';

/** The compiler factory for routes with Fastify schemas, which this API does not have. */
function noSchemaCompiler(): () => never {
  return () => {
    throw new Error('travelgate routes validate with zod; a Fastify route schema was declared by mistake');
  };
}

/** Builds the status API. Nothing listens until the caller calls listen(). */
export interface ApiOptions {
  tokens?: readonly ApiToken[];
  requireTokenForReads?: boolean;
  /** TLS: PEM certificate chain and private key. Without it the API speaks plain HTTP. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Origins allowed to read the API from a browser page elsewhere (default none: CORS off). */
  cors?: CorsOptions;
  /** Every secret of the configuration: scrubbed from error replies. */
  secrets?: SecretSet;
  events?: EventStreamOptions;
  /**
   * The Host-header guard (host-guard.ts): the names the API answers to besides loopback and
   * `bindHost`. Default: loopback (and bindHost) only; ['*']: no check.
   */
  hostNames?: readonly string[];
  /** The address the API listens on (allowed as a Host name unless it is a wildcard). */
  bindHost?: string;
  /** What the status page plots (the standards' channels and environment windows). */
  dashboard?: () => DashboardLayout;
}

export function buildApi(view: GatewayView, log: Logger, options: ApiOptions = {}): FastifyInstance {
  const auth = new Authorizer(options.tokens ?? [], options.requireTokenForReads ?? false);
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Routes validate with zod and declare no Fastify schemas, so Fastify's own compilers (ajv,
    // about 90 modules) are never needed: without these stand-ins it would load them anyway.
    schemaController: { compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler } },
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
  }) as unknown as FastifyInstance;
  // Before any route: the OpenAPI document collects routes as they are added.
  registerDocs(app, { requireTokenForReads: options.requireTokenForReads ?? false });
  // First: a request for a host name this API is not reached by gets nothing else.
  registerHostGuard(app, allowedHosts(options.bindHost, options.hostNames ?? []));
  registerCors(app, options.cors);
  registerErrorHandler(app, options.secrets);
  app.register(healthRoutes, { view });
  app.register(statusRoutes, { view, auth });
  app.register(readingRoutes, { view, auth });
  app.register(standardRoutes, { view, auth });
  app.register(channelRoutes, { view, auth });
  app.register(historyRoutes, { view, auth });
  app.register(eventRoutes, { view, auth, ...options.events });
  app.register(metricsRoutes, { view, auth });
  app.register(dashboardRoutes, { auth, ...(options.dashboard ? { layout: options.dashboard } : {}) });
  return app;
}
