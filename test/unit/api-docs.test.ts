import Ajv2020Module from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { dashboardResponse } from '../../src/api/dashboard.js';
import { healthResponse, readingsResponse, statusResponse, timelineResponse } from '../../src/api/schemas.js';
import { buildApi } from '../../src/api/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeGateway, device, eventRecord, readingRecord } from '../helpers/fake-view.js';

// Ajv 2020: JSON Schema 2020-12, the dialect of OpenAPI 3.1.
const Ajv2020 = { default: Ajv2020Module as unknown as new (o: object) => { compile(s: object): unknown } };

type Operation = {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: object }> }>;
  security?: Record<string, string[]>[];
  'x-undocumented'?: boolean;
};

describe('GET /docs/json (OpenAPI)', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is a valid OpenAPI 3.1 document with request and response schemas for every route', async () => {
    const gw = new FakeGateway();
    app = buildApi(gw.view, silentLogger());
    const routes: { method: string; url: string }[] = [];
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
    });
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();

    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));

    const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
    const compiles = (schema: object, where: string) => {
      expect(() => ajv.compile(schema), where).not.toThrow();
    };

    expect(routes.length).toBeGreaterThan(10);
    for (const { method, url } of routes) {
      const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const where = `${method} ${url}`;
      const op = doc.paths[path]?.[method.toLowerCase()] as Operation | undefined;
      expect(op, `${where} is in the document`).toBeDefined();
      expect(op!['x-undocumented'], `${where} is documented in src/api/route-docs.ts`).toBeUndefined();
      expect(op!.summary, where).toBeTruthy();
      for (const t of op!.tags ?? []) expect(tags.has(t), `${where} tag ${t}`).toBe(true);

      // Every path parameter is declared, with a schema.
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const p = op!.parameters?.find((x) => x.name === name && x.in === 'path');
        expect(p?.required, `${where} path parameter ${name}`).toBe(true);
      }
      for (const p of op!.parameters ?? []) compiles(p.schema ?? {}, `${where} parameter ${p.name}`);
      if (method === 'POST') {
        const body = op!.requestBody?.content['application/json']?.schema;
        expect(body, `${where} request body schema`).toBeDefined();
        compiles(body!, `${where} request body`);
      }

      // Responses: each has a description; a 2xx has a schema for its media type.
      const codes = Object.keys(op!.responses);
      expect(codes.some((c) => /^2\d\d$/.test(c)), `${where} has a 2xx response`).toBe(true);
      for (const [code, r] of Object.entries(op!.responses)) {
        expect(typeof r.description, `${where} ${code} description`).toBe('string');
        for (const [media, c] of Object.entries(r.content ?? {})) {
          expect(c.schema, `${where} ${code} ${media} schema`).toBeDefined();
          compiles(c.schema!, `${where} ${code} ${media}`);
        }
        if (/^2/.test(code)) expect(Object.keys(r.content ?? {}).length, `${where} ${code} content`).toBeGreaterThan(0);
      }
    }
  });

  it('marks mutating routes as needing a bearer token, and reads only when configured so', async () => {
    const gw = new FakeGateway();
    app = buildApi(gw.view, silentLogger());
    const open = (await app.inject('/docs/json')).json();
    expect(open.paths['/api/v1/standards/{id}/transitions'].post.security).toEqual([{ bearer: [] }]);
    expect(open.paths['/api/v1/status'].get.security).toEqual([{}, { bearer: [] }]);
    await app.close();
    app = buildApi(gw.view, silentLogger(), { requireTokenForReads: true });
    const closed = (await app.inject('/docs/json')).json();
    expect(closed.paths['/api/v1/status'].get.security).toEqual([{ bearer: [] }]);
    expect(closed.paths['/healthz'].get.security).toEqual([]);
  });

  it('documents what the routes really answer: real replies validate against their OpenAPI schemas', async () => {
    const gw = new FakeGateway();
    gw.devices = [
      device('dmm-1', {
        readings: 2,
        lastReadingAt: '2026-01-01T00:00:02.000Z',
        identity: { manufacturer: 'Keysight Technologies', model: '34465A', serial: 'MY1', firmware: 'A.03' },
        errorsByCode: { TG_LINK_TIMEOUT: 1 },
        errors: 1,
      }),
    ];
    gw.links = [{ id: 'lan', type: 'tcp', state: 'connected', address: 'tcp://127.0.0.1:5025', reconnects: 0 }];
    gw.sinks = [{ name: 'influx', state: 'idle', cursor: 3, pending: 0, delivered: 3, quarantined: 0, lastError: null, lastErrorAt: null, lagSeconds: 0 }];
    gw.cap = { maxBytes: 1e9, usedBytes: 4096, walBytes: 0, policy: 'stop', full: false, held: 0, refused: 0, dropped: 0, gaps: 0, trimmed: 0 };
    gw.commit([readingRecord(1, { u: 1e-6, extra: { nplc: 10 } }), readingRecord(2, { value: null, flags: ['timeout'] }), eventRecord(3, 'standard_transition', 'info', 'x')]);
    app = buildApi(gw.view, silentLogger());
    const doc = (await app.inject('/docs/json')).json();
    // Objects are documented closed (additionalProperties: false): an undocumented field fails too.
    const ajv = new Ajv2020.default({ strict: false, validateFormats: false, allErrors: true }) as unknown as {
      compile(s: object): ((v: unknown) => boolean) & { errors?: unknown };
    };
    for (const [path, url] of [
      ['/healthz', '/healthz'],
      ['/api/v1/status', '/api/v1/status'],
      ['/api/v1/readings', '/api/v1/readings'],
      ['/api/v1/timeline', '/api/v1/timeline'],
      ['/api/v1/dashboard', '/api/v1/dashboard'],
      ['/api/v1/events', '/api/v1/events?types=nonsense'],
    ] as const) {
      const res = await app.inject(url);
      const schema = doc.paths[path].get.responses[String(res.statusCode)]?.content?.['application/json']?.schema;
      expect(schema, `${url} answers ${res.statusCode}, which is documented`).toBeDefined();
      const validate = ajv.compile(schema);
      expect(validate(res.json()), `${url}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // The zod types behind them accept the same replies.
    expect(statusResponse.safeParse((await app.inject('/api/v1/status')).json()).success).toBe(true);
    expect(readingsResponse.safeParse((await app.inject('/api/v1/readings')).json()).success).toBe(true);
    expect(timelineResponse.safeParse((await app.inject('/api/v1/timeline')).json()).success).toBe(true);
    expect(dashboardResponse.safeParse((await app.inject('/api/v1/dashboard')).json()).success).toBe(true);
    expect(healthResponse.safeParse((await app.inject('/healthz')).json()).success).toBe(true);
  });
});
