/**
 * The pilot's read routes, every one behind a token and filtered by the caller's scope (view.ts):
 *
 *   GET /api/v1/whoami                            the token's name, role and lab
 *   GET /api/v1/comparison                        the comparison, its standards and reference models
 *   GET /api/v1/comparison/gateways               per gateway: records, verifiedThrough, missing, rejected, lagSeconds, …
 *   GET /api/v1/comparison/rejected?limit=        records kept apart, newest first, with reasons
 *   GET /api/v1/comparison/route?standard=        where the standard is, lifecycle per lab, transport legs
 *   GET /api/v1/comparison/timeline?standard=&maxPoints=
 *   GET /api/v1/comparison/results?standard=      per-lab results, the provisional reference value, DoEs
 *   GET /api/v1/comparison/gateways/:id/records.ndjson?from=   stored records, for `travelgate verify`
 *
 * An unknown standard or gateway (or one outside the scope) answers 404; a bad query 400.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { PilotView } from '../view.js';
import { scopeOf, type PilotAuth } from './auth.js';

const standardQuery = z.object({ standard: z.string().optional() });
const timelineQuery = standardQuery.extend({ maxPoints: z.coerce.number().int().min(10).max(20_000).default(2000) });
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(200) });
const fromQuery = z.object({ from: z.coerce.number().int().min(1).default(1) });

export function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
}

export function registerRoutes(app: FastifyInstance, view: PilotView, auth: PilotAuth): void {
  const guarded = { preHandler: auth.require };
  const std = (reply: FastifyReply, id: string | undefined) => {
    const s = view.standard(id);
    if (!s) void reply.code(404).send({ error: 'not_found', message: `no standard "${id}" in this comparison` });
    return s;
  };

  app.get('/api/v1/whoami', guarded, async (req) => {
    const s = scopeOf(req);
    return { name: s.name, role: s.role, lab: s.role === 'lab' ? s.lab : null };
  });

  app.get('/api/v1/comparison', guarded, async (req) => {
    const s = scopeOf(req);
    const c = view.config.comparison;
    return {
      id: c.id,
      title: c.title ?? null,
      pilot: c.pilot,
      labs: c.labs,
      released: c.released,
      standards: c.standards,
      k: view.config.results.k,
      caller: { name: s.name, role: s.role, lab: s.role === 'lab' ? s.lab : null },
    };
  });

  app.get('/api/v1/comparison/gateways', guarded, async (req) => ({ gateways: await view.gateways(scopeOf(req)) }));

  app.get('/api/v1/comparison/rejected', guarded, async (req, reply) => {
    const q = limitQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    return { rejected: await view.rejected(scopeOf(req), q.data.limit) };
  });

  app.get('/api/v1/comparison/route', guarded, async (req, reply) => {
    const q = standardQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const s = std(reply, q.data.standard);
    return s ? view.route(scopeOf(req), s) : reply;
  });

  app.get('/api/v1/comparison/timeline', guarded, async (req, reply) => {
    const q = timelineQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const s = std(reply, q.data.standard);
    return s ? view.timeline(scopeOf(req), s, q.data.maxPoints) : reply;
  });

  app.get('/api/v1/comparison/results', guarded, async (req, reply) => {
    const q = standardQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const s = std(reply, q.data.standard);
    if (!s) return reply;
    const r = await view.results(scopeOf(req), s);
    return reply.type('application/json').send(JSON.stringify({ provisional: true, ...r }, finite));
  });

  app.get<{ Params: { id: string } }>('/api/v1/comparison/gateways/:id/records.ndjson', guarded, async (req, reply) => {
    const q = fromQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const scope = scopeOf(req);
    const g = view.config.gateways.find((x) => x.id === req.params.id && (scope.role === 'pilot' || x.lab === scope.lab));
    if (!g) return reply.code(404).send({ error: 'not_found', message: `no gateway "${req.params.id}"` });
    const lines: string[] = [];
    for (let from = q.data.from; ; ) {
      const page = await view.store.recordBodies(g.id, from, 5000);
      for (const r of page) lines.push(r.body);
      if (page.length < 5000) break;
      from = page[page.length - 1]!.seq + 1;
    }
    return reply.type('application/x-ndjson').send(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  });
}

/** JSON has no NaN or Infinity: they are written as null. */
export const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
