/**
 * How the API faces the network beyond its routes: CORS (off unless origins are configured) and
 * error replies that never carry a secret.
 *
 * Contract:
 * - CORS: without configured origins no CORS header is ever sent, so browsers keep other sites'
 *   pages from reading the API. With origins, a request whose Origin is listed (exactly, or `*`)
 *   gets `access-control-allow-origin` for it; preflights (OPTIONS with
 *   Access-Control-Request-Method) from a listed origin are answered 204 with the allowed methods
 *   and headers (authorization, content-type, last-event-id); others 403.
 * - Errors: a 5xx reply says only "internal error" (the error is logged, through the redacting
 *   logger); a 4xx reply keeps Fastify's message with every configured secret replaced by
 *   "[redacted]".
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { SecretSet } from '../core/secrets.js';

export interface CorsOptions {
  origins: readonly string[];
}

export function registerCors(app: FastifyInstance, cors: CorsOptions | undefined): void {
  const origins = new Set(cors?.origins ?? []);
  if (origins.size === 0) return;
  const allowed = (origin: string | undefined) => origin !== undefined && (origins.has('*') || origins.has(origin));
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (!allowed(origin)) {
      if (req.method === 'OPTIONS' && origin !== undefined) return reply.code(403).send({ error: 'forbidden', message: 'origin not allowed' });
      return;
    }
    reply.header('access-control-allow-origin', origin!).header('vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      return reply
        .code(204)
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', 'authorization, content-type, last-event-id')
        .header('access-control-max-age', '600')
        .send();
    }
  });
}

export function registerErrorHandler(app: FastifyInstance, secrets: Pick<SecretSet, 'scrub'> | undefined): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err, url: req.url, method: req.method }, 'request failed');
      return reply.code(status).send({ error: 'internal', message: 'internal error' });
    }
    return reply.code(status).send({ error: err.code ?? 'bad_request', message: secrets ? secrets.scrub(err.message) : err.message });
  });
}
