/**
 * GET /docs/json: the OpenAPI 3.1 document of the API (openapi.ts).
 *
 * Contract: `registerDocs` must be registered on the root instance before any route: it collects
 * the routes in an onRoute hook (HEAD routes, which Fastify adds by itself, left out). The document
 * and the module that builds it are made on the first request and cached.
 */
import type { FastifyInstance } from 'fastify';
import type { CollectedRoute, DocsOptions } from './openapi.js';

export type { DocsOptions } from './openapi.js';

export function registerDocs(app: FastifyInstance, options: DocsOptions): void {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  let document: Promise<unknown> | undefined;
  app.get('/docs/json', async () => (document ??= import('./openapi.js').then((m) => m.openApiDocument(routes, options))));
}
