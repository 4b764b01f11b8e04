/**
 * The OpenAPI 3.1 document of the API (served at GET /docs/json by docs.ts, which loads this module
 * on the first request: the document's zod schemas and their JSON Schema conversion cost a
 * gateway nothing until someone asks for it).
 *
 * Contract:
 * - Schemas come from zod types (`z.toJSONSchema`): request parts from the types the routes
 *   validate with, responses from src/api/schemas.ts and the routes' own modules. They are attached
 *   for the document only, never to Fastify's validation or serialisation,
 *   so documenting a route cannot change what it accepts or answers.
 * - A route's documentation is found under "METHOD /url" in the catalogue (route-docs.ts). A
 *   route with a Fastify `schema` of its own keeps it. A route found in neither is still listed,
 *   with `x-undocumented: true` (a unit test fails on it).
 * - Query strings and path parameters become OpenAPI parameters (`in: query`, `in: path`), one per
 *   property of their JSON Schema; a body becomes `requestBody` (application/json); a zod response
 *   becomes application/json content.
 */
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
    return { description: typeof s.description === 'string' ? s.description : 'OK', content: { 'application/json': { schema: s } } };
  }
  return {
    description: doc.description,
    content: { [doc.contentType]: { schema: doc.schema ?? { type: 'string' } } },
  };
}

/** The OpenAPI operation object of a documented route. */
export function operationOf(doc: RouteDoc, options: DocsOptions): JsonSchema {
  const out: JsonSchema = { summary: doc.summary, tags: doc.tags };
  if (doc.description) out.description = doc.description;
  const parameters = [...parametersOf(doc.params, 'path'), ...parametersOf(doc.querystring, 'query')];
  if (parameters.length > 0) out.parameters = parameters;
  if (doc.body) out.requestBody = { required: true, content: { 'application/json': { schema: jsonSchemaOf(doc.body, 'input') } } };
  out.responses = Object.fromEntries(Object.entries(doc.response).map(([code, r]) => [code, responseSchema(r)]));
  if (doc.right === 'operate' || (doc.right === 'read' && options.requireTokenForReads)) out.security = [{ bearer: [] }];
  else if (doc.right === 'read') out.security = [{}, { bearer: [] }];
  else out.security = [];
  return out;
}

/** One OpenAPI parameter per property of a query string's or path's JSON Schema. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** A registered route, as docs.ts collects them. */
export interface CollectedRoute {
  method: string;
  url: string;
}

/** The whole document for the routes collected. A route missing from the catalogue is listed
 *  with `x-undocumented: true` (a unit test fails on it). */
export function openApiDocument(routes: readonly CollectedRoute[], options: DocsOptions): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const { method, url } of routes) {
    const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const doc = routeDocs[`${method} ${url}`];
    (paths[path] ??= {})[method.toLowerCase()] = doc ? operationOf(doc, options) : { summary: `${method} ${url}`, 'x-undocumented': true };
  }
  return {
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
    paths,
  };
}
