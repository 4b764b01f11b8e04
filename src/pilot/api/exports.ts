/**
 * Export routes (behind a token, scoped like the rest):
 *
 *   GET /api/v1/comparison/export/results.csv      every standard's per-lab results
 *   GET /api/v1/comparison/export/equivalence.csv  degrees of equivalence (pilot, or once released)
 *   GET /api/v1/comparison/export/results.json     both, as JSON
 *   GET /api/v1/comparison/export/dcc/:lab.xml?standard=   one lab's result as DCC-style XML
 *
 * A lab's token exports only its own lab's rows (and its own DCC file).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { VERSION } from '../../version.js';
import { equivalenceCsv, resultsCsv, resultsJson } from '../export/csv.js';
import { dccXml } from '../export/dcc.js';
import type { PilotView, Scope } from '../view.js';
import { scopeOf, type PilotAuth } from './auth.js';
import { badRequest } from './routes.js';

const standardQuery = z.object({ standard: z.string().optional() });

export function registerExports(app: FastifyInstance, view: PilotView, auth: PilotAuth): void {
  const guarded = { preHandler: auth.require };
  const all = (scope: Scope) => Promise.all(view.config.comparison.standards.map((s) => view.results(scope, s)));
  const attachment = (name: string) => `attachment; filename="${view.config.comparison.id}-${name}"`;

  app.get('/api/v1/comparison/export/results.csv', guarded, async (req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', attachment('results.csv')).send(resultsCsv(await all(scopeOf(req)))),
  );
  app.get('/api/v1/comparison/export/equivalence.csv', guarded, async (req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', attachment('equivalence.csv')).send(equivalenceCsv(await all(scopeOf(req)))),
  );
  app.get('/api/v1/comparison/export/results.json', guarded, async (req, reply) => reply.type('application/json').send(resultsJson(await all(scopeOf(req)))));

  app.get<{ Params: { file: string } }>('/api/v1/comparison/export/dcc/:file', guarded, async (req, reply) => {
    const q = standardQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const m = /^(.+)\.xml$/.exec(req.params.file);
    const scope = scopeOf(req);
    const lab = m?.[1];
    const std = view.standard(q.data.standard);
    if (!lab || !std || (scope.role === 'lab' && scope.lab !== lab)) return reply.code(404).send({ error: 'not_found', message: 'no such lab or standard' });
    const comparison = await view.results(scope, std);
    const result = comparison.labs.find((r) => r.lab === lab);
    if (!result) return reply.code(404).send({ error: 'not_found', message: `no verified result of "${lab}" for ${std.id} yet` });
    const xml = dccXml({
      config: view.config,
      standard: std,
      result,
      comparison,
      withEquivalence: scope.role === 'pilot' || view.config.comparison.released,
      software: { name: 'travelgate', version: VERSION },
      now: Date.now(),
    });
    return reply.type('application/xml; charset=utf-8').header('content-disposition', attachment(`${std.id}-${lab}.xml`)).send(xml);
  });
}
