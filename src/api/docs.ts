/**
 * The OpenAPI 3.1 document of the API at GET /docs/json (@fastify/swagger, dynamic mode).
 *
 * Contract:
 * - Schemas come from zod types (`z.toJSONSchema`): request parts from the types the routes
 *   validate with, responses from src/api/schemas.ts and the routes' own modules. They are attached
 *   for the document only (swagger's `transform`), never to Fastify's validation or serialisation,
 *   so documenting a route cannot change what it accepts or answers.
 * - A route's documentation is found under "METHOD /url" in the catalogue (route-docs.ts). A
 *   route with a Fastify `schema` of its own keeps it. A route found in neither is still listed,
 *   with `x-undocumented: true` (a unit test fails on it).
 * - `registerDocs` must be registered on the root instance before any route (swagger collects
 *   routes in an onRoute hook).
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { VERSION } from '../version.js';
import { routeDocs, type RouteDoc, type ResponseDoc } from './route-docs.js';

export interface DocsOptions {
  /** Reads need a bearer token too (api.requireTokenForReads). */
  requireTokenForReads: boolean;
}

type JsonSchema = Record<string, unknown>;

/** A zod type as a plain JSON Schema (2020-12, as OpenAPI 3.1 uses) without the `$schema` key. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

function responseSchema(doc: ResponseDoc): JsonSchema {
  if (doc instanceof z.ZodType) {
    const s = jsonSchemaOf(doc, 'output');
    return { description: typeof s.description === 'string' ? s.description : 'OK', ...s };
  }
  return {
    description: doc.description,
    content: { [doc.contentType]: { schema: doc.schema ?? { type: 'string' } } },
  };
}

/** The Fastify-style schema swagger reads: summary, tags, querystring, params, body, response, security. */
export function fastifySchemaOf(doc: RouteDoc, options: DocsOptions): JsonSchema {
  const out: JsonSchema = { summary: doc.summary, tags: doc.tags };
  if (doc.description) out.description = doc.description;
  if (doc.querystring) out.querystring = jsonSchemaOf(doc.querystring, 'input');
  if (doc.params) out.params = jsonSchemaOf(doc.params, 'input');
  if (doc.body) out.body = jsonSchemaOf(doc.body, 'input');
  out.response = Object.fromEntries(Object.entries(doc.response).map(([code, r]) => [code, responseSchema(r)]));
  if (doc.right === 'operate' || (doc.right === 'read' && options.requireTokenForReads)) out.security = [{ bearer: [] }];
  else if (doc.right === 'read') out.security = [{}, { bearer: [] }];
  else out.security = [];
  return out;
}

/**
 * Registers @fastify/swagger on the root instance and GET /docs/json. Call before registering any
 * route plugin: swagger collects routes as they are added.
 */
export function registerDocs(app: FastifyInstance, options: DocsOptions): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'travelgate status API',
        version: VERSION,
        description:
          'The live state of a travelgate gateway: devices, links, the journal, the travelling standards and their checks, ' +
          'sinks, a live event stream, Prometheus metrics and the status page. Mutating routes need a bearer token with the ' +
          'right "operate"; reads need one with the right "read" when the gateway is configured so. 401: no valid token; ' +
          '403: the token lacks the right.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from api.tokens' } } },
      tags: [
        { name: 'health', description: 'liveness and readiness' },
        { name: 'status', description: 'devices, links, journal, sinks' },
        { name: 'readings', description: 'readings and events from the journal' },
        { name: 'standards', description: 'travelling standards: lifecycle, drift, checks, operator actions' },
        { name: 'live', description: 'server-sent events' },
        { name: 'operations', description: 'metrics and this document' },
        { name: 'status page', description: 'the web page for the bench' },
      ],
    },
    transform: ({ schema, url, route }) => {
      if (schema && Object.keys(schema).length > 0) return { schema, url };
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const doc = methods.map((m) => routeDocs[`${m} ${url}`]).find((d) => d !== undefined);
      if (!doc) return { schema: { summary: `${methods.join(',')} ${url}`, 'x-undocumented': true } as never, url };
      return { schema: fastifySchemaOf(doc, options) as never, url };
    },
  });

  app.register(async (scope) => {
    scope.get('/docs/json', async () => app.swagger());
  });
}
