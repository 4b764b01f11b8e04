import type { FastifyPluginAsync } from 'fastify';
import type { Authorizer } from './auth.js';
import type { GatewayView } from './view.js';

/** GET /api/v1/status: devices, links, the journal (with its size cap) and the sinks, from live state. */
export const statusRoutes: FastifyPluginAsync<{ view: GatewayView; auth: Authorizer }> = async (app, { view, auth }) => {
  app.get('/api/v1/status', { preHandler: auth.require('read') }, async () => {
    const reader = view.journal();
    const journal = reader?.stats();
    const cap = reader?.capStats?.() ?? null;
    return {
      ...view.info(),
      ready: view.isReady(),
      devices: view.devices(),
      links: view.links(),
      journal: journal
        ? { records: journal.records, lastSeq: journal.lastSeq, firstSeq: journal.firstSeq, sizeBytes: journal.sizeBytes, ...(cap ? { cap } : {}) }
        : null,
      // name, state, cursor, pending, delivered, quarantined, lastError, lastErrorAt, lagSeconds
      sinks: view.sinks?.() ?? [],
    };
  });
};
